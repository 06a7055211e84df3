"""The paper configuration at real size, by simulation (issue #21). Writes results/benchmarks/paper_scale.json:

1. CPU steps of `config/paper.yaml` (prepare, features, calibrate, labels, a classical baseline) run for
   real, through the same `reasoniqa` commands the rules run, on simulated datasets in the real formats
   (`reasoniqa simulate-real`): wall time, CPU time and peak memory per step; a dataset simulated at a
   fraction of its real count is scaled linearly to the real count (said per step).
2. A training job on KonIQ's training split with a tiny LLaVA at LLaVA-1.5's processor settings (336 px,
   patch 14: 576 image tokens, real-size pixels in memory), the paper's batch size, for a bounded number
   of steps, at two training-set sizes: peak memory must not grow with the number of images.
3. A costed plan for the whole paper configuration (every job of its DAG): CPU-hours from (1), H100-hours
   from the FLOPs of LLaVA-1.5-7B's forward/backward at a stated utilisation (no GPU benchmark of the
   package has run yet: benchmarks/gpu.py), and the wall time of those CPU-hours on a 16-core node.

    .venv/bin/python benchmarks/paper_scale.py --raw /tmp/paper_sim/raw [--work DIR] [--workers 2]

Simulate the raw folders first, e.g. `reasoniqa simulate-real --out /tmp/paper_sim/raw --workers 2`
(SPAQ's 11,125 originals of 4000x3000 px are ~25 GB and take hours to write here: add
`--datasets spaq --fraction 0.01` for it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BASE = [str(ROOT / "config/config.yaml"), str(ROOT / "config/paper.yaml")]

# LLaVA-1.5-7B on an H100 (SXM, bf16 dense): the assumptions of the GPU estimate, stated in the JSON.
GPU = {"params": 7.06e9, "image_tokens": 576, "peak_tflops": 989.0, "utilisation": 0.40,
       "hbm_tb_per_s": 3.35, "weight_bytes": 7.06e9 * 2}


def run_step(name: str, args: list[str], log_dir: Path) -> dict:
    """Run `reasoniqa <args>` as the rules do; wall time, CPU time (user + sys, children included)
    and peak resident memory of its largest process (wait4's rusage)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, TQDM_DISABLE="1", PATH=f"{BIN}:{os.environ['PATH']}")
    start = time.perf_counter()
    with open(log_dir / f"{name}.log", "w") as log:
        proc = subprocess.Popen([str(BIN / "reasoniqa"), *args], stdout=log, stderr=subprocess.STDOUT, env=env,
                                cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{name} failed: see {log_dir / name}.log")
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def count_images(data_dir: Path) -> dict[str, int]:
    import pandas as pd

    listed = pd.read_csv(data_dir / "manifest.csv")
    frame = listed[listed["is_reference"] == 0]
    return {"listed": len(listed), "all": len(frame), **frame["split"].value_counts().to_dict()}


def scaled(measure: dict, factor: float) -> dict:
    """A step measured on a fraction, scaled linearly in time (memory per step is per image: kept)."""
    return {**measure, "measured_fraction": round(1 / factor, 4),
            "wall_s_real_size": round(measure["wall_s"] * factor, 1),
            "cpu_s_real_size": round(measure["cpu_s"] * factor, 1)}


def cpu_steps(raw: Path, work: Path, workers: int, override: str) -> tuple[dict, dict]:
    """prepare + features per dataset, calibrate + labels on KonIQ, one classical baseline on the test
    splits; returns (steps, dataset sizes)."""
    from reasoniqa.data.simulate import SHAPES

    cfg = ["--config", BASE[0], "--config", BASE[1], "--config", override]
    steps, sizes = {}, {}
    for kind in ["koniq", "spaq", "live", "csiq"]:
        if not (raw / kind).is_dir():
            sys.exit(f"{raw / kind} missing: simulate it first (reasoniqa simulate-real --datasets {kind})")
        data, feats = work / "data" / kind, work / "features" / f"{kind}.csv"
        prep = run_step(f"prepare_{kind}", ["prepare", *cfg, "--dataset", kind, "--raw", str(raw / kind),
                                            "--out", str(data)], work / "logs")
        meas = run_step(f"features_{kind}", ["features", *cfg, "--data", str(data), "--out", str(feats),
                                             "--workers", str(workers)], work / "logs")
        sizes[kind] = count_images(data)
        factor = SHAPES[kind].count / sizes[kind]["listed"]  # 1 where simulated whole
        steps[f"prepare/{kind}"] = scaled(prep, factor)
        steps[f"features/{kind}"] = {**scaled(meas, factor), "workers": workers}
    calibration = work / "calibration.json"
    steps["calibrate"] = run_step("calibrate", ["calibrate", *cfg, "--features", str(work / "features/koniq.csv"),
                                                "--out", str(calibration)], work / "logs")
    steps["labels/koniq"] = scaled(run_step("labels", [
        "labels", *cfg, "--dataset", "koniq", "--data", str(work / "data/koniq"),
        "--features", str(work / "features/koniq.csv"), "--calibration", str(calibration),
        "--out", str(work / "labels/koniq")], work / "logs"), SHAPES["koniq"].count / sizes["koniq"]["listed"])
    # a classical baseline (PIQE: no fitting) on the small test splits, per image
    outs = [str(work / "classical" / f"{k}.csv") for k in ("live", "csiq")]
    piqe = run_step("classical_piqe", ["classical-split", *cfg, "--method", "piqe", "--models",
                                       str(work / "classical_models"), "--data", str(work / "data/live"),
                                       str(work / "data/csiq"), "--out", *outs], work / "logs")
    images = sizes["live"]["test"] + sizes["csiq"]["test"]
    steps["classical_split/piqe (live+csiq test)"] = {**piqe, "images": images,
                                                      "cpu_s_per_image": round(piqe["cpu_s"] / images, 4)}
    return steps, sizes


def training_memory(work: Path, override: str, sizes: list[int], steps: int) -> dict:
    """Peak memory of `reasoniqa train` (one_stage records, the paper's batch size) on the first N
    KonIQ training records, for each N; and what encoding every image up front would hold."""
    from reasoniqa.batching import encode_record, item_bytes
    from reasoniqa.config import load_config
    from reasoniqa.model.load import load_base
    from reasoniqa.prompts import Prompts

    cfg_files = [*BASE, override, str(work / "train_override.yaml")]
    (work / "train_override.yaml").write_text(
        f"model: {{source: embedded}}\ntrain: {{steps: {steps}, checkpoint_every: {steps}}}\n")
    cfg = ["--config", cfg_files[0], "--config", cfg_files[1], "--config", cfg_files[2], "--config", cfg_files[3]]
    model_dir = work / "model336"
    if not model_dir.exists():
        run_step("build_model", ["build-model", *cfg, "--out", str(model_dir)], work / "logs")
    records = [json.loads(line) for line in (work / "labels/koniq/one_stage.jsonl").read_text().splitlines()]
    train = [r for r in records if r["split"] == "train"]
    config = load_config(cfg_files)
    model, processor = load_base(str(model_dir), config)
    item = encode_record(processor, Prompts(config, processor), train[0])
    per_image = item_bytes(item)
    result = {"model": "embedded LLaVA at 336 px / patch 14 (576 image tokens)",
              "batch_size": config["train"]["batch_size"], "steps": steps,
              "encode_cache_mb": config["resources"]["encode_cache_mb"],
              "encoded_bytes_per_image": per_image, "runs": []}
    for n in sizes:
        n = min(n, len(train))
        subset = work / f"records_{n}.jsonl"
        subset.write_text("".join(json.dumps(r) + "\n" for r in train[:n]))
        out = work / f"adapter_{n}"
        m = run_step(f"train_{n}", ["train", *cfg, "--base", str(model_dir), "--records", str(subset), "--seed",
                                    "0", "--out", str(out), "--checkpoints", str(work / f"ckpt_{n}")], work / "logs")
        result["runs"].append({"training_images": n, **m, "s_per_step": round(m["wall_s"] / steps, 2),
                               "all_encoded_up_front_mb": round(n * per_image / 2**20, 1)})
    return result


def text_tokens(work: Path) -> dict[str, float]:
    """Mean text tokens (the embedded tokenizer; an approximation of Llama's) of each record kind."""
    import numpy as np

    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(work / "model336"))
    out = {}
    for kind in ["one_stage", "one_stage_desc", "stage1", "stage2"]:
        rows = [json.loads(x) for x in (work / f"labels/koniq/{kind}.jsonl").read_text().splitlines()[:200]]
        out[kind] = float(np.mean([len(tok(r.get("description", "") + " " + r["level"])["input_ids"]) + 40 for r in rows]))
    return out


def gpu_plan(jobs: list[dict], cfg: dict, sizes: dict, tokens: dict) -> dict:
    """H100-seconds per rule of the paper DAG from FLOPs (prefill/training: 2 or 6 x params x tokens at
    the stated utilisation) and weight reads (decoding: one read of the weights per generated token and
    batch)."""
    flops_s = GPU["peak_tflops"] * 1e12 * GPU["utilisation"]
    decode_s = GPU["weight_bytes"] / (GPU["hbm_tb_per_s"] * 1e12)
    n, img = GPU["params"], GPU["image_tokens"]
    test = sum(sizes[d]["test"] for d in sizes)
    bs = cfg["predict"]["batch_size"]
    per_rule = {}

    def add(rule, seconds, detail):
        per_rule.setdefault(rule, {"jobs": 0, "h100_s": 0.0, "detail": detail})
        per_rule[rule]["jobs"] += 1
        per_rule[rule]["h100_s"] += seconds

    samples = cfg["train"]["steps"] * cfg["train"]["batch_size"]
    for job in jobs:
        rule, w = job["rule"], job["wildcards"]
        if rule in ("train", "train_stage1"):
            kind = w.get("method", "stage1") if rule == "train" else "stage1"
            add(rule, 6 * n * samples * (img + tokens[kind]) / flops_s, f"{samples} samples x 6 x params x tokens")
        elif rule == "train_stage2":
            add(rule, 6 * n * samples * tokens["stage2"] / flops_s, "text only")
        elif rule == "merge_stage1":
            add(rule, 3 * decode_s * 1000, "weights read and written: ~ a few GB/s of host I/O, not FLOPs")
        elif rule == "score_split":
            describes = w["method"] in ("one_stage_desc", "two_stage")
            gen = cfg["predict"]["max_new_tokens"] if describes else 0
            add(rule, 2 * n * test * (img + tokens["one_stage"]) / flops_s + gen * (test / bs) * decode_s,
                "prefill + greedy description tokens")
        elif rule == "sample_split":
            k, ins = cfg["instability"]["k"], cfg["instability"]
            temps = len(job["outputs"]) // len(sizes)  # one file per temperature and test set
            gen = (cfg["predict"]["max_new_tokens"] if w["method"] in ("one_stage_desc", "two_stage") else 0) \
                + ins["rating_tokens"]
            add(rule, temps * (2 * n * test * (img + tokens["one_stage"]) / flops_s
                               + gen * (test * k / ins["batch_size"]) * decode_s), "shared prefill, K samples decoded")
        elif rule == "analyze_split":
            m = cfg["analysis"]["samples"] * len(sizes)
            add(rule, 3 * 2 * n * m * (img + tokens["one_stage_desc"]) / flops_s, "eager attention: x3 forward")
        elif rule == "intervene_split":
            add(rule, 8 * 2 * n * test * (img + tokens["one_stage_desc"]) / flops_s, "up to 8 edited forwards per image")
    for v in per_rule.values():
        v["h100_h"] = round(v.pop("h100_s") / 3600, 3)
    return per_rule


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", required=True, help="simulated raw folders <raw>/{koniq,spaq,live,csiq}")
    ap.add_argument("--work", default="/tmp/reasoniqa_paper_scale")
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--train-sizes", type=int, nargs="+", default=[1000, 7046])
    ap.add_argument("--train-steps", type=int, default=30)
    ap.add_argument("--out", default=str(ROOT / "results/benchmarks/paper_scale.json"))
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    # the paper configuration, read from where the simulation put the raw data, on this machine's CPU
    override = work / "sim_override.yaml"
    override.write_text(
        f"torch_threads: {args.workers}\nmodel: {{device: cpu, dtype: float32, embedded: {{image_size: 336, "
        f"patch_size: 14}}}}\nresources: {{encode_cache_mb: 512}}\n")

    from reasoniqa.config import load_config
    from reasoniqa.dvcgen import dag_jobs

    steps, sizes = cpu_steps(Path(args.raw), work, args.workers, str(override))
    train = training_memory(work, str(override), args.train_sizes, args.train_steps)
    cfg = load_config([*BASE])
    jobs = dag_jobs(BASE)
    gpu = gpu_plan(jobs, cfg, sizes, text_tokens(work))
    # CPU-hours of the whole configuration: each measured step at real size, times its jobs in the DAG
    per_job = {"prepare": sum(v.get("cpu_s_real_size", v["cpu_s"]) for k, v in steps.items() if k.startswith("prepare")),
               "features": sum(v.get("cpu_s_real_size", v["cpu_s"]) for k, v in steps.items() if k.startswith("features")),
               "labels+calibrate": steps["labels/koniq"]["cpu_s_real_size"] + steps["calibrate"]["cpu_s"]}
    test_images = sum(s["test"] for s in sizes.values())
    classical = 3 * test_images * steps["classical_split/piqe (live+csiq test)"]["cpu_s_per_image"]
    cpu_total_h = (sum(per_job.values()) + classical) / 3600
    gpu_total_h = sum(v["h100_h"] for v in gpu.values())
    result = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "datasets": sizes, "cpu_steps": steps, "training_memory": train,
        "gpu_assumptions": GPU, "gpu_steps": gpu,
        "totals": {"cpu_hours": round(cpu_total_h, 2),
                   "cpu_hours_detail": {k: round(v / 3600, 3) for k, v in {**per_job, "classical (3 methods, "
                                        "PIQE's per-image time)": classical}.items()},
                   "node_16_cores_hours": round(cpu_total_h / 16, 2),
                   "h100_hours": round(gpu_total_h, 2),
                   "goal": "<= 8 H100-hours plus <= 2 hours of a 16-core node",
                   "meets_goal": gpu_total_h <= 8 and cpu_total_h / 16 <= 2},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result["totals"], indent=1))


if __name__ == "__main__":
    main()
