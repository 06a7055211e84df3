"""Where a training step's time goes on this machine, and which ways of spending the CPUs pay.

Writes results/benchmarks/train_step.json:
  - per record kind of the embedded default (one_stage, one_stage_desc, stage1, stage2) at the config's
    batch size: median milliseconds of data (batch built), forward, backward and optimizer per step, with
    1 and with 2 threads (each its own process: torch's thread count is per process);
  - the same examples in larger batches (4x the batch, 1/4 of the steps): milliseconds per example;
  - two 1-thread training processes side by side (started together after their setup) against one
    2-thread process: steps per second of the machine (what declaring `gpu=0` and `threads: 1` on
    training rules would buy on a CPU run);
  - torch.compile (inductor) on the forward: compile seconds and milliseconds per step after it.
The steps run through `reasoniqa.train.prepare_training` / `training_step`, the rules' own code.

Usage: python benchmarks/train_profile.py [--steps 60] [--no-compile]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KINDS = {"one_stage": "one_stage", "one_stage_desc": "one_stage", "stage1": "stage1", "stage2": "stage2"}


def make_inputs(work: Path) -> None:
    """The embedded base and synth_koniq-like training records (a few crops: the step cost depends on
    sequence length and batch, not on how many images there are)."""
    from reasoniqa.config import load_config
    from reasoniqa.data.synth import synthesize
    from reasoniqa.labels import calibrate_files, measure_dataset, write_records
    from reasoniqa.model.tiny import build_tiny

    cfg = load_config(ROOT / "config/config.yaml")
    build_tiny(cfg, work / "base")
    spec = dict(cfg["datasets"]["synth_koniq"], crops_per_photo=4, versions_per_crop=4)
    synthesize("synth_koniq", spec, work / "data", cfg["test_photos"], progress=False)
    measure_dataset(str(work / "data"), str(work / "features.csv"))
    calibrate_files([str(work / "features.csv")], str(work / "calibration.json"))
    write_records(cfg, "synth_koniq", str(work / "data"), str(work / "features.csv"),
                  str(work / "calibration.json"), str(work / "labels"))


def worker(work: Path, kind: str, threads: int, steps: int, batch_scale: int, compile_model: bool) -> dict:
    """Profile `steps` training steps of one record kind in this process (prints JSON)."""
    import torch

    from reasoniqa.config import load_config
    from reasoniqa.train import prepare_training, training_step

    torch.set_num_threads(threads)
    cfg = load_config(ROOT / "config/config.yaml")
    cfg["train"]["batch_size"] *= batch_scale
    run = prepare_training(cfg, str(work / "base"), [str(work / f"labels/{kind}.jsonl")], 0, KINDS[kind])
    for i in range(len(run.items)):  # encode up front: the profile measures steps, not the first epoch's decoding
        run.items[i]
    compile_s = None
    if compile_model:
        started = time.perf_counter()
        run.model = torch.compile(run.model, dynamic=True)
        for step in range(3):  # compilation happens on the first calls (and on new shapes)
            training_step(run, 0, step)
        compile_s = time.perf_counter() - started
    warmup = 3
    if barrier := os.environ.get("TRAIN_PROFILE_BARRIER"):  # side by side: start the steps together
        Path(barrier, f"ready-{os.getpid()}").touch()
        while not Path(barrier, "go").exists():
            time.sleep(0.02)
    phases = {"data": [], "forward": [], "backward": [], "optimizer": []}
    started = time.perf_counter()
    for step in range(warmup + steps):
        if step == warmup:
            started = time.perf_counter()
        t0 = time.perf_counter()
        marks: list[float] = []
        training_step(run, 0, step, marks)
        t_end = time.perf_counter()
        if step >= warmup:
            for name, a, b in zip(phases, [t0, *marks], [*marks, t_end]):
                phases[name].append((b - a) * 1000)
    wall = time.perf_counter() - started
    window = [time.time() - wall, time.time()]  # wall-clock window of the measured steps
    ms = {name: round(statistics.median(v), 2) for name, v in phases.items()}
    return {"kind": kind, "threads": threads, "batch_size": cfg["train"]["batch_size"], "steps": steps,
            "ms_per_step": ms, "ms_per_step_total": round(sum(ms.values()), 2),
            "ms_per_example": round(sum(ms.values()) / cfg["train"]["batch_size"], 2),
            "steps_per_s": round(steps / wall, 3), "compile_s": compile_s and round(compile_s, 1),
            "window": window}


def spawn(work: Path, kind: str, threads: int, steps: int, batch_scale: int = 1, compile_model: bool = False,
          barrier: Path | None = None):
    cmd = [sys.executable, __file__, "--worker", str(work), kind, str(threads), str(steps), str(batch_scale),
           str(int(compile_model))]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), TQDM_DISABLE="1")
    if barrier is not None:
        env["TRAIN_PROFILE_BARRIER"] = str(barrier)
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)


def result(proc) -> dict:
    out, _ = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"profile worker failed (exit {proc.returncode})")
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--no-compile", action="store_true", help="skip the torch.compile measurement (~2 min)")
    ap.add_argument("--out", default=str(ROOT / "results/benchmarks/train_step.json"))
    ap.add_argument("--worker", nargs=6, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        work, kind, threads, steps, scale, comp = args.worker
        print(json.dumps(worker(Path(work), kind, int(threads), int(steps), int(scale), comp == "1")))
        return
    out: dict = {"cpus": os.cpu_count(), "steps_measured": args.steps}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        make_inputs(work)
        out["per_kind"] = [result(spawn(work, kind, threads, args.steps)) for kind in KINDS for threads in (1, 2)]
        out["batch_x4"] = [result(spawn(work, kind, 1, max(4, args.steps // 4), 4)) for kind in KINDS]
        # side by side: both processes set up, then start their steps together (a file barrier); the
        # machine's rate is all steps over the span from the first start to the last end
        barrier = work / "barrier"
        barrier.mkdir()
        procs = [spawn(work, "one_stage_desc", 1, args.steps, barrier=barrier) for _ in range(2)]
        while len(list(barrier.glob("ready-*"))) < 2:
            if any(p.poll() is not None for p in procs):
                raise SystemExit("a side-by-side profile worker ended before its start")
            time.sleep(0.05)
        (barrier / "go").touch()
        pair = [result(p) for p in procs]
        span = max(p["window"][1] for p in pair) - min(p["window"][0] for p in pair)
        alone = result(spawn(work, "one_stage_desc", 2, args.steps))
        out["side_by_side"] = {
            "two_1_thread_jobs_steps_per_s": round(2 * args.steps / span, 3),
            "one_2_thread_job_steps_per_s": alone["steps_per_s"],
            "two_1_thread_jobs_ms_per_step_each": [p["ms_per_step_total"] for p in pair],
            "one_2_thread_job_ms_per_step": alone["ms_per_step_total"],
        }
        out["side_by_side"]["ratio"] = round(out["side_by_side"]["two_1_thread_jobs_steps_per_s"]
                                             / alone["steps_per_s"], 3)
        if not args.no_compile:
            eager = result(spawn(work, "one_stage_desc", 1, args.steps))
            compiled = result(spawn(work, "one_stage_desc", 1, args.steps, compile_model=True))
            out["compile"] = {"compile_s": compiled["compile_s"], "eager_ms_per_step": eager["ms_per_step_total"],
                              "compiled_ms_per_step": compiled["ms_per_step_total"]}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
