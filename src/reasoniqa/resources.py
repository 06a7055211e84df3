"""What each workflow job asks a scheduler for: CPUs, memory, runtime, a GPU, a partition. The one
place the rules (`resources:`) and the Slurm profile get their requests from, sized from the config:
the model's parameter count and dtype decide the memory of the jobs that load it, so the embedded
default asks for a couple of GB and the 7B paper configuration for what loading 7B weights takes.

Local runs use only `gpu` (with `--resources gpu=1`, one model job at a time) and `mem_mb`; the
`slurm_*` and `runtime` entries are read by snakemake-executor-plugin-slurm.
"""

from __future__ import annotations

from reasoniqa import UserError

# Jobs that run the VLM forward/backward: a GPU when one is there (reasoniqa.device decides inside).
GPU_RULES = ("pretrain_vision", "train", "train_stage1", "train_stage2", "score_split", "score_ladders",
             "rate_measured_split", "rate_measured_ladders", "sample_split", "analyze_split", "intervene_split")
# Jobs that hold the base model's weights in host memory, as multiples of their size: a GPU job stages
# them through host memory once; the stage-1 merge holds base and merged weights and a serialisation
# buffer. (An optional teacher VLM of the labels step is another model: its memory goes in base_mem_mb.)
WEIGHT_COPIES = {**dict.fromkeys(GPU_RULES, 1.0), "merge_stage1": 2.5, "build_model": 1.0}
# Jobs that keep encoded training examples (up to resources.encode_cache_mb, reasoniqa.batching).
TRAINING_RULES = ("train", "train_stage1", "train_stage2")
BYTES_PER_PARAM = {"float32": 4, "bfloat16": 2, "float16": 2}


def weights_mb(cfg: dict) -> float:
    """Size of the model's weights in MB at the config's dtype: from `resources.model_params_billion`, else,
    for a local checkpoint folder, its safetensors files' size (0 for the embedded model: a few MB)."""
    from pathlib import Path

    billions, source = cfg["resources"]["model_params_billion"], cfg["model"]["source"]
    if billions is not None:
        return billions * 1e9 * BYTES_PER_PARAM[cfg["model"]["dtype"]] / 2**20
    if source == "embedded":
        return 0.0
    shards = list(Path(source).glob("*.safetensors")) if Path(source).is_dir() else []
    if shards:  # as stored; a checkpoint saved in another dtype than model.dtype is off by that ratio
        return sum(f.stat().st_size for f in shards) / 2**20
    raise UserError(f"resources.model_params_billion is required for model.source={source!r} (not a local "
                    "folder with safetensors files): it sizes the jobs' memory requests")


def job_resources(cfg: dict, rule: str) -> dict:
    """The `resources:` of a job of `rule`: mem_mb, runtime (minutes), gpu (0 or 1) and, where the config
    sets them, slurm_partition, slurm_account and gpu_model. CPUs are the rule's `threads:`."""
    res = cfg["resources"]
    runtime = res["runtime_min"]
    wants_gpu = rule in GPU_RULES and cfg["model"]["device"] != "cpu"
    cache = res["encode_cache_mb"] if rule in TRAINING_RULES else 0
    out = {
        "mem_mb": int(res["base_mem_mb"] + WEIGHT_COPIES.get(rule, 0.0) * weights_mb(cfg) + cache),
        "runtime": int(runtime.get(rule, runtime["default"])),
        "gpu": int(wants_gpu),
    }
    partition = res["gpu_partition"] if wants_gpu else res["cpu_partition"]
    if partition:
        out["slurm_partition"] = partition
    if res["slurm_account"]:
        out["slurm_account"] = res["slurm_account"]
    if wants_gpu and res["gpu_model"]:
        out["gpu_model"] = res["gpu_model"]
    return out
