"""Training throughput of the default model on CUDA at several batch sizes (ML-25M-shaped data)."""

import sys

import torch

import cf
from benchmarks.scale import measure_throughput, synthetic_file

fraction = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
ratings = cf.load_ratings(synthetic_file(fraction))
for batch in (65536, 131072, 262144, 524288):
    print(measure_throughput(ratings, "cuda", batch), flush=True)
activities = [torch.profiler.ProfilerActivity.CUDA, torch.profiler.ProfilerActivity.CPU]
with torch.profiler.profile(activities=activities) as p:
    measure_throughput(ratings, "cuda", 262144)
print(p.key_averages().table(sort_by="cuda_time_total", row_limit=12))
