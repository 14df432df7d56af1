#!/usr/bin/env bash
# A few minutes on a CUDA machine: the tests on the GPU, the accuracy benchmark, and the scale benchmark.
# Usage: bash scripts/gpu_check.sh [OUTDIR]   (CF_DATA_DIR must point at the shared data folder)
set -uo pipefail
out=${1:-gpu-check}; mkdir -p "$out"
export PYTHONUNBUFFERED=1 CF_BENCH_DIR=${CF_BENCH_DIR:-/tmp/cf-bench}
nvidia-smi -L | tee "$out/gpu.txt"
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" | tee -a "$out/gpu.txt"
CF_DEVICE=cuda timeout 240 python3 -m pytest -q -p no:cacheprovider tests/test_training_trainer.py tests/test_recommend.py \
  tests/test_foldin.py tests/test_persist.py tests/test_projection.py 2>&1 | tail -15 | tee "$out/tests.txt"
timeout 120 python3 -m cf bench --repeat 3 2>&1 | tee "$out/bench.txt"
timeout 400 python3 -m cf bench --scale --fractions 0.2,1 --devices cuda --json 2>&1 | tee "$out/scale.txt"
