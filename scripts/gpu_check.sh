#!/usr/bin/env bash
# Every GPU figure of issue 21 in under 8 minutes on a fresh CUDA machine, all written to one file.
#
#   bash scripts/gpu_check.sh            # on the GPU machine (CF_DATA_DIR: default ./shared/data, else ../shared/data)
#   bash scripts/gpu_check.sh --dry      # on a CPU, tiny sizes: checks the script itself (CF_GPU_CHECK_DEVICE=cpu)
#
# Steps (each under its own timeout, so one hang does not eat the rest):
#   1. the training, recommender, item-model, fold-in, persistence, evaluation and list tests with CF_DEVICE=cuda
#   2. python -m cf bench on latest-small: the defaults and Auto as placed ("auto": the CPU for small data),
#      then with CF_DEVICE=cuda (the GPU forced)
#   3. on the 25M synthetic: training ratings/s at the default CUDA batch, the item model at 40,000 movies,
#      end to end (hold out 10%, fit, RMSE, full top-N evaluation) with seconds per phase
#      (the loop times its two updates in the warm-up and keeps the faster; then one epoch with each forced,
#      and with the old atomic index_add_ sums; no larger
#      batches: on CPU tensors a 4x batch already lost 0.012 RMSE at 5M, docs/bench/batches-5m-lazy-on-cpu.txt)
#   4. the CPU-vs-CUDA crossover: a default fit at 0.1M, 0.5M, 2M ratings on each
#   5. torch calls in one step of the lazy GPU loop (kernel launches set its speed at the default batch)
#   6. the default CUDA batch on the 5M synthetic: ratings/s and validation RMSE beside the CPU row-wise loop's
#      on the same split (within 0.005 is the standard)
# Output: ${OUT:-gpu-check}/gpu-figures.txt (everything), plus one file per step beside it.
set -uo pipefail
device=${CF_GPU_CHECK_DEVICE:-cuda}
fraction=1 sizes=100000,500000,2000000 movies=40000 tests_timeout=110 trial_fraction=0.2
if [[ "${1:-}" == "--dry" ]]; then
  device=cpu fraction=0.004 sizes=20000,50000 movies=500 tests_timeout=300 trial_fraction=0.002
fi
out=${OUT:-gpu-check}
mkdir -p "$out"
all="$out/gpu-figures.txt"
py=${PYTHON:-python3}
export PYTHONUNBUFFERED=1
if [[ -z "${CF_DATA_DIR:-}" && -d shared/data ]]; then export CF_DATA_DIR=$PWD/shared/data; fi  # else ../shared/data
started=$(date +%s)

step() {  # step NAME SECONDS COMMAND...: run under a timeout, copy the output to its own file and to the total
  local name=$1 limit=$2
  shift 2
  echo "== $name (limit ${limit}s, started at +$(($(date +%s) - started))s): $*" | tee -a "$all"
  timeout --kill-after=10 "$limit" "$@" > "$out/$name.txt" 2>&1
  local rc=$?
  cat "$out/$name.txt" >> "$all"
  tail -25 "$out/$name.txt"
  echo "== $name: exit $rc$([[ $rc == 124 ]] && echo ' (timed out)') after +$(($(date +%s) - started))s" | tee -a "$all"
}

: > "$all"
step machine 30 bash -c "nvidia-smi -L 2>/dev/null || echo 'no nvidia-smi'; nproc; $py -c \"import torch, numpy; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), 'numpy', numpy.__version__)\"; git log --oneline -1; uptime"
if [[ $device == cpu ]]; then test_env=(env -u CF_DEVICE); else test_env=(env CF_DEVICE="$device"); fi
step tests "$tests_timeout" "${test_env[@]}" "$py" -m pytest -q -p no:cacheprovider --durations=5 \
  tests/test_training_trainer.py tests/test_training_auto.py tests/test_recommend.py tests/test_foldin.py \
  tests/test_persist.py tests/test_evaluation.py tests/test_models_ease.py tests/test_placement.py \
  tests/test_topn_scoring.py tests/test_toplists.py tests/test_training_rowwise.py
step bench-auto 50 "$py" -m cf bench --repeat 1 --json
if [[ $device != cpu ]]; then step bench-forced 80 env CF_DEVICE="$device" "$py" -m cf bench --repeat 1 --json; fi
step scale 170 "$py" -m benchmarks.scale gpu --fraction "$fraction" --device "$device" --movies "$movies"
step crossover 70 "$py" -m benchmarks.scale crossover --sizes "$sizes" --device "$device"
step calls 40 "$py" -m benchmarks.scale calls --fraction "$trial_fraction" --device "$device"
step batches 60 "$py" -m benchmarks.scale batches --fraction "$trial_fraction" --device "$device" --batches default
echo "== total $(($(date +%s) - started)) s; all figures in $all" | tee -a "$all"
