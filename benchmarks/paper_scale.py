"""The paper configuration at real size, by simulation (issue #21). Writes results/benchmarks/paper_scale.json:

1. CPU steps of `config/paper.yaml` (prepare, features, calibrate, labels, a classical baseline) run for
   real, through the same `reasoniqa` commands the rules run, on simulated datasets in the real formats
   (`reasoniqa simulate-real`): wall time, CPU time and peak memory per step; a dataset simulated at a
   fraction of its real count is scaled linearly to the real count (said per step).
2. A training job on KonIQ's training split with a tiny LLaVA at LLaVA-1.5's processor settings (336 px,
   patch 14: 576 image tokens, real-size pixels in memory), the paper's batch size, for a bounded number
   of steps, at two training-set sizes: peak memory must not grow with the number of images.
3. A costed plan for the whole paper configuration (every job of its DAG): CPU-hours from (1), H100-hours
   from the FLOPs of LLaVA-1.5-7B's forward/backward at a stated utilisation, and the wall time of those
   CPU-hours on a 16-core node; with benchmarks/gpu.json (`--gpu-measured`), a second plan at the rates
   benchmarks/gpu.py measured on a GPU (measured_rates).

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
       "hbm_tb_per_s": 3.35, "weight_bytes": 7.06e9 * 2,
       "kv_bytes_per_token": 2 * 32 * 4096 * 2}  # K and V, 32 layers of 4,096 in bf16


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
        sizes[kind]["scale_to_real"] = round(factor, 3)
        steps[f"prepare/{kind}"] = scaled(prep, factor)
        steps[f"features/{kind}"] = {**scaled(meas, factor), "workers": workers}
    calibration = work / "calibration.json"
    steps["calibrate"] = run_step("calibrate", ["calibrate", *cfg, "--features", str(work / "features/koniq.csv"),
                                                "--out", str(calibration)], work / "logs")
    steps["labels/koniq"] = scaled(run_step("labels", [
        "labels", *cfg, "--dataset", "koniq", "--data", str(work / "data/koniq"),
        "--features", str(work / "features/koniq.csv"), "--calibration", str(calibration),
        "--out", str(work / "labels/koniq")], work / "logs"), SHAPES["koniq"].count / sizes["koniq"]["listed"])
    # BRISQUE's SVR and NIQE's model fitted on SPAQ's (resized) training images: per training image
    fit = run_step("fit_classical", ["fit-classical", *cfg, "--train-data", str(work / "data/spaq"), "--out",
                                     str(work / "classical_models")], work / "logs")
    steps["fit_classical (spaq fraction)"] = {**fit, "train_images": sizes["spaq"]["train"],
                                              "cpu_s_per_train_image": round(fit["cpu_s"] / sizes["spaq"]["train"], 4)}
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
    # scoring with the trained stand-in: the paper's data path and batch size, per test image
    live_test = count_images(work / "data/live")["test"]
    m = run_step("score_live", ["score-split", *cfg, "--method", "one_stage", "--base", str(model_dir), "--adapter",
                                str(work / f"adapter_{min(sizes[0], len(train))}"), "--data", str(work / "data/live"),
                                "--out", str(work / "predictions/one_stage/seed0/live.csv")], work / "logs")
    result["scoring"] = {"method": "one_stage", "dataset": "live (test split)", "images": live_test, **m,
                         "cpu_s_per_image": round(m["cpu_s"] / live_test, 3)}
    return result


def text_tokens(work: Path, cfg_files: list[str]) -> dict[str, float]:
    """Mean text tokens of a prompt + answer of each record kind (the image placeholder not counted), by
    the stand-in's tokenizer and chat template: an approximation of LLaVA-1.5's Llama tokenizer."""
    from transformers import AutoProcessor

    from reasoniqa.config import load_config
    from reasoniqa.prompts import Prompts

    processor = AutoProcessor.from_pretrained(str(work / "model336"))
    prompts = Prompts(load_config(cfg_files), processor)
    tok = processor.tokenizer
    out = {}
    for kind in ["one_stage", "one_stage_desc", "stage1", "stage2"]:
        rows = [json.loads(x) for x in (work / f"labels/koniq/{kind}.jsonl").read_text().splitlines()[:200]]
        lengths = [len(tok("".join(prompts.record_texts(r)), add_special_tokens=False)["input_ids"])
                   - (1 if r.get("image") else 0) for r in rows]
        out[kind] = round(sum(lengths) / len(lengths), 1)
    return out


def real_test_images(sizes: dict, cap: int | None = None) -> int:
    """Test images of the four datasets at their real counts (a fraction's scaled up), each at most `cap`
    (a step's seeded subset, e.g. intervention.max_images)."""
    counts = [round(v["test"] * v["scale_to_real"]) for v in sizes.values()]
    return int(sum(min(c, cap) if cap else c for c in counts))


def ladder_images(spec: dict) -> int:
    return spec["contents"] * (1 + len(spec["distortions"]) * sum(1 for s in spec["strengths"] if s > 0))


# The card benchmarks/gpu.py ran on (spec numbers): the H100's dense bf16 peak, more memory bandwidth. Its
# measured utilisations and decoding speed replace GPU's assumed ones in the second plan.
H200 = {"peak_tflops": 989.0, "hbm_tb_per_s": 4.8}


def decode_bound_s(steps: float, rows: int, context: int, hbm_tb_per_s: float) -> float:
    """Seconds of `steps` decoding steps if each read the weights once and every row's KV cache."""
    return steps * (GPU["weight_bytes"] + rows * context * GPU["kv_bytes_per_token"]) / (hbm_tb_per_s * 1e12)


def measured_rates(gpu_json: Path, family: str = "llava") -> dict:
    """Utilisations and decoding speed of LLaVA-1.5-7B's shape as benchmarks/gpu.py measured them: prefill
    from scoring, training from LoRA steps (its FLOP/s over the peak), and decoding as a multiple of the
    bandwidth bound: the sampling time per batch less its shared prefill, per generated step. (The prefill
    subtracted is the scoring rate's, a rating prompt at the scoring batch: an approximation of the
    describe prompts' prefill at the sampling batch.)"""
    out = json.loads(Path(gpu_json).read_text())
    r = out["families"][family]
    batch = r["sampling_batch"]
    step_s = (batch / r["sampling_images_per_s"] - batch / r["scoring_images_per_s"]) / r["sampling_max_new_tokens"]
    bound = decode_bound_s(1, batch * r["sampling_k"], r["scoring_tokens"], H200["hbm_tb_per_s"])
    return {"device": out["device"], "measured_on": out["measured_on"], "family": family,
            "prefill_utilisation": r["scoring_tflop_s"] / H200["peak_tflops"],
            "train_utilisation": r["lora_tflop_s"] / H200["peak_tflops"],
            "decode_step_s": step_s, "decode_over_bandwidth_bound": step_s / bound,
            "peak_tflops": H200["peak_tflops"], "hbm_tb_per_s": H200["hbm_tb_per_s"]}


def gpu_plan(jobs: list[dict], cfg: dict, sizes: dict, tokens: dict, rates: dict | None = None) -> dict:
    """GPU hours per rule of the paper DAG. Prefill and training are compute-bound: 2 (forward) or 6
    (forward + backward) x params x tokens at a utilisation. Decoding is bandwidth-bound: each generated
    token of a batch reads the weights once and every row's KV cache. Without `rates`: the H100 at the
    assumed utilisation (GPU); with `rates` (measured_rates): the measured card at its measured utilisations,
    decoding at its measured multiple of the bound."""
    rates = rates or {"prefill_utilisation": GPU["utilisation"], "train_utilisation": GPU["utilisation"],
                      "decode_over_bandwidth_bound": 1.0, "peak_tflops": GPU["peak_tflops"],
                      "hbm_tb_per_s": GPU["hbm_tb_per_s"]}
    flops_s = rates["peak_tflops"] * 1e12 * rates["prefill_utilisation"]
    train_flops_s = rates["peak_tflops"] * 1e12 * rates["train_utilisation"]
    n, img = GPU["params"], GPU["image_tokens"]
    context = img + tokens["one_stage_desc"]

    def decode_s(steps: float, rows: int) -> float:
        return decode_bound_s(steps, rows, context, rates["hbm_tb_per_s"]) * rates["decode_over_bandwidth_bound"]

    per_rule = {}

    def add(rule, seconds, detail):
        per_rule.setdefault(rule, {"jobs": 0, "gpu_s": 0.0, "detail": detail})
        per_rule[rule]["jobs"] += 1
        per_rule[rule]["gpu_s"] += seconds

    samples = cfg["train"]["steps"] * cfg["train"]["batch_size"]
    bs, describe = cfg["predict"]["batch_size"], cfg["predict"]["max_new_tokens"]
    ins = cfg["instability"]
    for job in jobs:
        rule, w = job["rule"], job["wildcards"]
        describes = w.get("method") in ("one_stage_desc", "two_stage")
        if rule in ("train", "train_stage1"):
            kind = w.get("method", "stage1") if rule == "train" else "stage1"
            add(rule, 6 * n * samples * (img + tokens[kind]) / train_flops_s, f"{samples} samples, 6 x params x tokens")
        elif rule == "train_stage2":
            add(rule, 6 * n * samples * tokens["stage2"] / train_flops_s, "text only")
        elif rule == "merge_stage1":
            add(rule, 2 * GPU["weight_bytes"] / 2e9, "weights read and written at ~2 GB/s (host I/O)")
        elif rule in ("score_split", "score_ladders", "rate_measured_split", "rate_measured_ladders"):
            # one job per method and seed; the raters fed measured descriptions write none themselves
            rated = rule.startswith("rate_measured")
            gen = describe if describes and not rated else 0
            two_stage_rating = w["method"] == "two_stage" and rated
            prefill = tokens["stage2"] if two_stage_rating else context  # stage 2 reads text only
            seconds = 0.0
            for dataset in (Path(out).stem for out in job["outputs"]):
                images = ladder_images(cfg["datasets"][dataset]) if dataset in cfg["ladder_datasets"] \
                    else round(sizes[dataset]["test"] * sizes[dataset]["scale_to_real"])
                seconds += 2 * n * images * prefill / flops_s + decode_s(gen * images / bs, bs)
            add(rule, seconds, "prefill + greedy description tokens")
        elif rule == "sample_split":
            temps = len(job["outputs"]) // len(sizes)  # one file per temperature and test set
            gen = (describe if describes else 0) + ins["rating_tokens"]
            rows = ins["batch_size"] * ins["k"]  # the batch's images x K samples share each decoding step
            m = real_test_images(sizes, ins["max_images"])
            add(rule, temps * (2 * n * m * context / flops_s + decode_s(gen * m / ins["batch_size"], rows)),
                f"{temps} temperatures: prefill once, K={ins['k']} samples decoded together")
        elif rule == "analyze_split":
            m = cfg["analysis"]["samples"] * len(sizes)
            add(rule, 3 * 2 * n * m * context / flops_s, "eager attention, hidden states kept: 3 x a forward")
        elif rule == "intervene_split":
            m = real_test_images(sizes, cfg["intervention"]["max_images"])
            add(rule, 8 * 2 * n * m * context / flops_s, "up to 8 edited forwards per image")
    for v in per_rule.values():
        v["gpu_h"] = round(v.pop("gpu_s") / 3600, 3)
    return per_rule


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--raw", required=True, help="simulated raw folders <raw>/{koniq,spaq,live,csiq}")
    ap.add_argument("--work", default="/tmp/reasoniqa_paper_scale")
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--train-sizes", type=int, nargs="+", default=[1000, 7046])
    ap.add_argument("--train-steps", type=int, default=30)
    ap.add_argument("--out", default=str(ROOT / "results/benchmarks/paper_scale.json"))
    ap.add_argument("--gpu-measured", default=str(ROOT / "benchmarks/gpu.json"),
                    help="benchmarks/gpu.py's output: a second plan at its measured rates (skipped if absent)")
    ap.add_argument("--plan-only", action="store_true",
                    help="keep the measurements in --out and recompute the plan (after a config edit)")
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

    if args.plan_only:
        kept = json.loads(Path(args.out).read_text())
        steps, sizes, train = kept["cpu_steps"], kept["datasets"], kept["training_memory"]
        tokens = kept["gpu_assumptions"]["text_tokens_per_record_kind"]
    else:
        steps, sizes = cpu_steps(Path(args.raw), work, args.workers, str(override))
        train = training_memory(work, str(override), args.train_sizes, args.train_steps)
        tokens = text_tokens(work, [*BASE, str(override)])
    cfg = load_config([*BASE])
    jobs = dag_jobs(BASE)
    gpu = gpu_plan(jobs, cfg, sizes, tokens)
    rates = measured_rates(Path(args.gpu_measured)) if Path(args.gpu_measured).is_file() else None
    measured = gpu_plan(jobs, cfg, sizes, tokens, rates) if rates else None
    # CPU-hours of the whole configuration: each per-dataset job measured at real size (a fraction scaled),
    # the classical fit per KonIQ training image, the classical scoring per test image (3 methods)
    per_job = {"prepare": sum(v.get("cpu_s_real_size", v["cpu_s"]) for k, v in steps.items() if k.startswith("prepare")),
               "features": sum(v.get("cpu_s_real_size", v["cpu_s"]) for k, v in steps.items() if k.startswith("features")),
               "labels+calibrate": steps["labels/koniq"]["cpu_s_real_size"] + steps["calibrate"]["cpu_s"]}
    test_images = real_test_images(sizes)
    classical = 3 * test_images * steps["classical_split/piqe (live+csiq test)"]["cpu_s_per_image"]
    per_job["fit_classical"] = sizes["koniq"]["train"] * steps["fit_classical (spaq fraction)"]["cpu_s_per_train_image"]
    cpu_total_h = (sum(per_job.values()) + classical) / 3600
    gpu_total_h = sum(v["gpu_h"] for v in gpu.values())
    result = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "datasets": sizes, "cpu_steps": steps, "training_memory": train,
        "gpu_assumptions": {**GPU, "text_tokens_per_record_kind": tokens}, "gpu_steps": gpu,
        "gpu_measured_rates": rates, "gpu_steps_at_measured_rates": measured,
        "totals": {"cpu_hours": round(cpu_total_h, 2),
                   "cpu_hours_detail": {k: round(v / 3600, 3) for k, v in {**per_job, "classical (3 methods, "
                                        "PIQE's per-image time)": classical}.items()},
                   "node_16_cores_hours": round(cpu_total_h / 16, 2),
                   "h100_hours": round(gpu_total_h, 2),
                   "gpu_hours_at_measured_rates": round(sum(v["gpu_h"] for v in measured.values()), 2)
                   if measured else None,
                   "goal": "<= 8 H100-hours plus <= 2 hours of a 16-core node",
                   "meets_goal": gpu_total_h <= 8 and cpu_total_h / 16 <= 2,
                   "meets_goal_at_measured_rates": sum(v["gpu_h"] for v in measured.values()) <= 8
                   and cpu_total_h / 16 <= 2 if measured else None},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result["totals"], indent=1))


if __name__ == "__main__":
    main()
