"""Stage-1 feature accuracy against the size of the embedded model and the stage-1 budget (issue: can
the tiny model learn to describe the degradations?). Needs the stand-ins, features, calibration and
records of a finished `make run`. Writes results/experiments/stage1_size_sweep.json.

    .venv/bin/python experiments/stage1_size_sweep.py [--images 96]
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
import time
from pathlib import Path

from common import ROOT, L, accuracy

# name -> (changes to model.embedded, the two-stage budget `train.steps`; stage 1 gets 0.67 of it)
VARIANTS = {
    "default (vision 2x64, text 4x128)": ({}, 1500),
    "default, 2x budget": ({}, 3000),
    "wider vision (3x128)": ({"vision_hidden": 128, "vision_layers": 3}, 1500),
    "finer patches (4 px) + wider vision": ({"patch_size": 4, "vision_hidden": 128}, 1500),
}


def main() -> None:
    import pandas as pd

    from reasoniqa.config import load_config
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.labels import load_thresholds
    from reasoniqa.model.tiny import build_tiny
    from reasoniqa.sampling import subset
    from reasoniqa.train import train

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=96, help="test images of synth_koniq to describe")
    ap.add_argument("--out", default=str(ROOT / "results/experiments/stage1_size_sweep.json"))
    args = ap.parse_args()
    base_cfg = load_config(ROOT / "config/config.yaml")
    frame, _ = load_manifest(L.dataset("synth_koniq"), split="test")
    frame = subset(frame, args.images, 0)
    features = pd.read_csv(L.features("synth_koniq")).set_index("name")
    thresholds = load_thresholds(L.artifact("calibration"))
    records = [L.records("synth_koniq", "stage1")]
    results = {}
    for name, (changes, steps) in VARIANTS.items():
        cfg = copy.deepcopy(base_cfg)
        cfg["model"]["embedded"].update(changes)
        cfg["train"]["steps"] = steps
        with tempfile.TemporaryDirectory() as tmp:
            build_tiny(cfg, Path(tmp) / "base")
            t = time.perf_counter()
            stats = train(cfg, str(Path(tmp) / "base"), records, 0, Path(tmp) / "ad", Path(tmp) / "ck", stage="stage1")
            took = time.perf_counter() - t
            res = accuracy(cfg, str(Path(tmp) / "base"), str(Path(tmp) / "ad"), frame, features, thresholds)
        results[name] = {"model": cfg["model"]["embedded"], "steps": stats.get("steps", steps), "train_s": took,
                         "loss_last_10_mean": stats.get("loss_last_10_mean"), **res}
        print(name, json.dumps(results[name]["accuracy"]), flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
