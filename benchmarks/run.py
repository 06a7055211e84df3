"""CPU benchmarks: writes results/benchmarks/bench.json (name -> value, with the machine described).

Each comparison is a ratio measured in one run on one machine. Usage:
    python benchmarks/run.py [--skip-pipeline]
Not measured yet (their code is an open issue): sampling_shared_prefix_speedup, lens_attention_overhead,
and the GPU section (benchmarks need a lent GPU machine).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(cmd: list[str], cwd: Path = ROOT, repeat: int = 3) -> float:
    """Best of `repeat` wall times of a command (seconds)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, env=dict(os.environ, TQDM_DISABLE="1"))
        best = min(best, time.perf_counter() - t)
    return best


def scoring_speedup(batch: int = 32) -> dict:
    """Batched Q-Align scoring vs a per-image loop, embedded model, same images, same outputs."""
    import numpy as np

    from reasoniqa.config import load_config
    from reasoniqa.data.synth import synthesize
    from reasoniqa.model.tiny import build_tiny_llava
    from reasoniqa.prompts import rate_prompt
    from reasoniqa.scoring import level_probabilities, load_method_model

    cfg = load_config(ROOT / "config/config.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        build_tiny_llava(cfg, tmp / "model")
        synthesize("b", dict(cfg["datasets"]["synth_koniq"], crops_per_photo=2, versions_per_crop=1),
                   tmp / "data", cfg["test_photos"], progress=False)
        paths = sorted(str(p) for p in (tmp / "data/images").iterdir())[:batch]
        model, proc = load_method_model(cfg, str(tmp / "model"), None)
        words = cfg["levels"]["words"]
        prompts = [rate_prompt(cfg)] * len(paths)
        level_probabilities(model, proc, prompts, paths, words, batch, progress=False)  # warm-up
        t = time.perf_counter()
        batched = level_probabilities(model, proc, prompts, paths, words, batch, progress=False)
        t_batched = time.perf_counter() - t
        t = time.perf_counter()
        looped = level_probabilities(model, proc, prompts, paths, words, 1, progress=False)
        t_loop = time.perf_counter() - t
    return {"scoring_batched_speedup": t_loop / t_batched, "scoring_batch": len(paths),
            "scoring_max_abs_diff": float(np.abs(batched - looped).max())}


def pipeline_wall() -> float:
    """The embedded workflow from scratch in a temporary copy (what `make run` does after install)."""
    with tempfile.TemporaryDirectory() as tmp:
        for item in ("Snakefile", "workflow", "config", "environment.yml"):
            src = ROOT / item
            (shutil.copytree(src, Path(tmp) / item, symlinks=True) if src.is_dir()
             else shutil.copy2(src, Path(tmp) / item))
        schema = Path(tmp) / "workflow/schemas/config.schema.yaml"
        schema.unlink()
        shutil.copy2(ROOT / "src/reasoniqa/schemas/config.schema.yaml", schema)
        env = dict(os.environ, TQDM_DISABLE="1", PATH=f"{BIN}:{os.environ['PATH']}")
        t = time.perf_counter()
        subprocess.run([str(BIN / "snakemake"), "--cores", "all", "--resources", "gpu=1"], cwd=tmp, check=True,
                       capture_output=True, env=env)
        return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-pipeline", action="store_true", help="do not time the whole workflow (~6 min)")
    ap.add_argument("--out", default=str(ROOT / "results/benchmarks/bench.json"))
    args = ap.parse_args()
    import torch

    bench = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
                         "torch": torch.__version__, "gpu": torch.cuda.is_available()}}
    bench.update(scoring_speedup())
    bench["cli_help_s"] = timed([str(BIN / "reasoniqa"), "--help"])
    bench["import_transformers_s"] = timed([sys.executable, "-c", "import transformers, torch, peft"], repeat=2)
    bench["noop_snakemake_s"] = timed([str(BIN / "snakemake"), "-n", "--cores", "1"])
    bench["noop_dvc_status_s"] = timed([str(BIN / "dvc"), "status"])
    if not args.skip_pipeline:
        bench["pipeline_wall_s"] = pipeline_wall()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(bench, indent=2, sort_keys=True) + "\n")
    print(json.dumps(bench, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
