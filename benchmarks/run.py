"""CPU benchmarks: writes results/benchmarks/bench.json (name -> value, with the machine described).

Each comparison is a ratio measured in one run on one machine. Usage:
    python benchmarks/run.py [--skip-pipeline] [--skip-train-profile] [--keep-run DIR]
The `gpu` section is copied from benchmarks/gpu.json, written by benchmarks/gpu.py (make test-gpu) on a GPU
machine (it cannot be rerun here).
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


def _output(cmd: list[str], cwd: Path = ROOT) -> str:
    env = dict(os.environ, PATH=f"{BIN}:{os.environ['PATH']}")
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    return proc.stdout + proc.stderr


def best_time(fn, repeat: int = 3) -> float:
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def model_benchmarks(batch: int = 32) -> dict:
    """Embedded model (random init, config/config.yaml) on the same images: batched scoring vs a
    per-image loop; K shared-prefix samples vs K separate generate calls; lens + attention capture vs
    the plain scoring forward."""
    import numpy as np
    import torch

    from reasoniqa.config import load_config
    from reasoniqa.data.synth import synthesize
    from reasoniqa.images import load_image
    from reasoniqa.lens import analyze
    from reasoniqa.model.tiny import build_tiny
    from reasoniqa.prompts import Prompts
    from reasoniqa.sampling import sample_continuations
    from reasoniqa.model.load import load_method_model
    from reasoniqa.scoring import generate_texts, level_probabilities

    cfg = load_config(ROOT / "config/config.yaml")
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        build_tiny(cfg, tmp / "model")
        synthesize("b", dict(cfg["datasets"]["synth_koniq"], crops_per_photo=2, versions_per_crop=1),
                   tmp / "data", cfg["test_photos"], progress=False)
        paths = sorted(str(p) for p in (tmp / "data/images").iterdir())[:batch]
        model, proc = load_method_model(cfg, str(tmp / "model"), None)
        words = cfg["levels"]["words"]
        prompts = [Prompts(cfg, proc).rate()] * len(paths)
        batched = level_probabilities(model, proc, prompts, paths, words, batch, progress=False)
        looped = level_probabilities(model, proc, prompts, paths, words, 1, progress=False)
        t_batched = best_time(lambda: level_probabilities(model, proc, prompts, paths, words, batch, progress=False))
        t_loop = best_time(lambda: level_probabilities(model, proc, prompts, paths, words, 1, progress=False), 1)
        out.update(scoring_batched_speedup=t_loop / t_batched, scoring_batch=len(paths),
                   scoring_max_abs_diff=float(np.abs(batched - looped).max()))

        ins = cfg["instability"]
        k, new, n = ins["k"], ins["rating_tokens"], ins["batch_size"]
        shared = best_time(lambda: sample_continuations(model, proc, prompts[:n], paths[:n], k, 1.0, new, 0, n,
                                                        progress=False))

        def separate():
            for _ in range(k):
                torch.manual_seed(0)
                with torch.inference_mode():
                    enc = proc(text=prompts[:n], images=[load_image(p) for p in paths[:n]], return_tensors="pt",
                               padding=True)
                    model.generate(**enc, max_new_tokens=new, do_sample=True, top_k=0,
                                   pad_token_id=proc.tokenizer.pad_token_id)

        out.update(sampling_shared_prefix_speedup=best_time(separate, 1) / shared, sampling_k=k,
                   sampling_new_tokens=new, sampling_batch_images=n)
        long_shared = best_time(lambda: sample_continuations(model, proc, prompts[:n], paths[:n], k, 1.0, 64, 0, n,
                                                             progress=False), 1)
        long_apart = best_time(lambda: [generate_texts(model, proc, prompts[:n], paths[:n], n, 64, progress=False)
                                        for _ in range(k)], 1)
        out["sampling_shared_prefix_speedup_64_tokens"] = long_apart / long_shared

        eager, _ = load_method_model(cfg, str(tmp / "model"), None, attn="eager")
        an = cfg["analysis"]["batch_size"]
        plain = best_time(lambda: level_probabilities(model, proc, prompts, paths, words, an, progress=False))
        lens = best_time(lambda: analyze(cfg, "one_stage", eager, proc, paths, [""] * len(paths), progress=False))
        out.update(lens_attention_overhead=lens / plain, lens_batch=an)
    return out


def rule_times(run_dir: Path) -> dict:
    """Per rule of a finished run, from the jobs' `benchmark:` files (results/benchmarks/jobs/<rule>/...):
    jobs, summed wall and CPU seconds, the largest peak memory (MB). Rules without a benchmark (tables,
    figures: seconds each) are not in it."""
    import pandas as pd

    out = {}
    root = run_dir / "results/benchmarks/jobs"
    for tsv in sorted(root.rglob("*.tsv")):
        rule = tsv.relative_to(root).parts[0].removesuffix(".tsv")
        row = pd.read_csv(tsv, sep="\t").iloc[-1]
        entry = out.setdefault(rule, {"jobs": 0, "wall_s": 0.0, "cpu_s": 0.0, "max_rss_mb": 0.0})
        entry["jobs"] += 1
        entry["wall_s"] = round(entry["wall_s"] + float(row["s"]), 2)
        entry["cpu_s"] = round(entry["cpu_s"] + float(row["cpu_time"]), 2)
        entry["max_rss_mb"] = max(entry["max_rss_mb"], float(row["max_rss"]))
    return dict(sorted(out.items(), key=lambda kv: -kv[1]["wall_s"]))


def pipeline_wall(rules_out: Path, keep: Path | None = None) -> dict:
    """The embedded workflow from scratch in a fresh copy (what `make run` does after install; its
    per-rule times go to `rules_out`), then recorded in DVC as the README says (`reasoniqa dvc-record`)
    and the no-op times of both tools on that recorded tree. `keep`: build there and keep the tree."""
    with tempfile.TemporaryDirectory() as tmp:
        work = keep or Path(tmp)
        if keep and keep.exists() and any(keep.iterdir()):
            sys.exit(f"--keep-run {keep}: the folder is not empty (the run must start from nothing)")
        work.mkdir(parents=True, exist_ok=True)
        for item in ("Snakefile", "workflow", "config", "environment.yml", "dvc.yaml", ".dvcignore"):
            src = ROOT / item
            (shutil.copytree(src, work / item, symlinks=True) if src.is_dir() else shutil.copy2(src, work / item))
        schema = work / "workflow/schemas/config.schema.yaml"
        schema.unlink()
        shutil.copy2(ROOT / "src/reasoniqa/schemas/config.schema.yaml", schema)
        env = dict(os.environ, TQDM_DISABLE="1", PATH=f"{BIN}:{os.environ['PATH']}")
        t = time.perf_counter()
        subprocess.run([str(BIN / "snakemake"), "--cores", "all", "--resources", "gpu=1"], cwd=work, check=True,
                       capture_output=True, env=env)
        out = {"pipeline_wall_s": time.perf_counter() - t}
        rules_out.write_text(json.dumps(rule_times(work), indent=2) + "\n")
        subprocess.run([str(BIN / "dvc"), "init", "--no-scm", "-q"], cwd=work, check=True, env=env)
        shutil.copy2(ROOT / ".dvc/config", work / ".dvc/config")
        subprocess.run([str(BIN / "dvc"), "config", "core.no_scm", "true"], cwd=work, check=True, env=env)
        t = time.perf_counter()
        recorded = subprocess.run([str(BIN / "reasoniqa"), "dvc-record"], cwd=work, capture_output=True, text=True,
                                  env=env)
        if recorded.returncode != 0:
            sys.exit(f"reasoniqa dvc-record failed on the timed run ({work}):\n{recorded.stderr[-3000:]}")
        out["record_s"] = time.perf_counter() - t
        # the flags say whether the tree was a no-op, so a time is never quoted for a plan with work to do
        out["noop_snakemake_s"] = timed([str(BIN / "snakemake"), "-n", "--cores", "1"], cwd=work)
        out["noop_dvc_status_s"] = timed([str(BIN / "dvc"), "status"], cwd=work)
        out["noop_snakemake_nothing_to_do"] = "Nothing to be done" in _output(
            [str(BIN / "snakemake"), "-n", "--cores", "1"], cwd=work)
        out["noop_dvc_up_to_date"] = "up to date" in _output([str(BIN / "dvc"), "status"], cwd=work)
        return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-pipeline", action="store_true",
                    help="do not time the whole workflow (~30 min), nor (then) the no-ops on its recorded tree")
    ap.add_argument("--keep-run", metavar="DIR", type=Path,
                    help="build the timed workflow in DIR and keep it (e.g. for `reasoniqa readme --results`)")
    ap.add_argument("--skip-train-profile", action="store_true",
                    help="do not profile training steps (benchmarks/train_profile.py, ~6 min)")
    ap.add_argument("--out", default=str(ROOT / "results/benchmarks/bench.json"))
    ap.add_argument("--rules-of", metavar="DIR", help="only write the per-rule times of the finished run in DIR "
                                                      "(next to --out, as pipeline_rules.json)")
    args = ap.parse_args()
    rules_out = Path(args.out).parent / "pipeline_rules.json"
    if args.rules_of:
        rules_out.parent.mkdir(parents=True, exist_ok=True)
        rules_out.write_text(json.dumps(rule_times(Path(args.rules_of)), indent=2) + "\n")
        print(rules_out.read_text())
        return
    import torch

    bench = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
                         "torch": torch.__version__, "gpu": torch.cuda.is_available()}}
    bench.update(model_benchmarks())
    bench["cli_help_s"] = timed([str(BIN / "reasoniqa"), "--help"])
    bench["import_transformers_s"] = timed([sys.executable, "-c", "import transformers, torch, peft"], repeat=2)
    if not args.skip_train_profile:  # its own file next to bench.json (per phase, per kind, per thread count)
        subprocess.run([sys.executable, str(ROOT / "benchmarks/train_profile.py"), "--out",
                        str(Path(args.out).parent / "train_step.json")], check=True)
    if not args.skip_pipeline:
        rules_out.parent.mkdir(parents=True, exist_ok=True)
        bench.update(pipeline_wall(rules_out, args.keep_run))
    gpu = ROOT / "benchmarks/gpu.json"
    if gpu.is_file():  # measured on a lent GPU by benchmarks/gpu.py (see its header)
        bench["gpu"] = json.loads(gpu.read_text())
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(bench, indent=2, sort_keys=True) + "\n")
    print(json.dumps(bench, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
