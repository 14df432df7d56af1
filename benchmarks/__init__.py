"""Benchmarks of a source checkout (not installed with ``cf``): ``python -m cf bench [--scale]``.

:mod:`benchmarks.accuracy` (the defaults against Surprise's SVD), :mod:`benchmarks.scale`
(ML-25M-sized load, memory and throughput), :mod:`benchmarks.paths` (where the shared data lives).
"""
