#!/usr/bin/env bash
# The GPU checks in one call, for a CUDA machine where the package's pins are importable (`make test-gpu`
# installs them first; on a machine without a registry, put them on PYTHONPATH): the gpu-marked and the
# in-process model tests with their models on the GPU (`device: auto`), then benchmarks/gpu.py. Logs and
# the benchmark's JSON go to OUT_DIR; one step failing does not stop the next.
#
#   bash benchmarks/gpu_check.sh OUT_DIR [PYTHON [gpu.py's options, e.g. --families llava]]
# TEST_TIMEOUT (seconds, default 420) bounds the tests so the benchmark still runs inside one device call.
set -uo pipefail
out=${1:?usage: [TEST_TIMEOUT=S] bash benchmarks/gpu_check.sh OUT_DIR [PYTHON [gpu.py options]]}
py=${2:-python3}
shift $(( $# < 2 ? $# : 2 ))
cd "$(dirname "$0")/.."
mkdir -p "$out"
export PYTHONUNBUFFERED=1 TQDM_DISABLE=1
"$py" -c "import torch, transformers, peft; print('torch', torch.__version__, '| transformers', transformers.__version__,
'| peft', peft.__version__, '|', torch.cuda.get_device_name() if torch.cuda.is_available() else 'NO CUDA DEVICE')" \
  2>&1 | tee "$out/versions.txt"
# modules that need what a bare GPU image may lack (the workflow's commands) report their errors and are
# left out; the classical baselines never touch the GPU and need packages such an image lacks: not run
timeout "${TEST_TIMEOUT:-420}" "$py" -m pytest -q -p no:cacheprovider -m "gpu or model" --continue-on-collection-errors \
  --ignore=tests/test_classical.py \
  -W ignore::FutureWarning 2>&1 | tee "$out/tests.log"
timeout 300 "$py" benchmarks/gpu.py --out "$out/gpu.json" "$@" 2>&1 | tee "$out/gpu.log"
