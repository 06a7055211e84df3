"""Stage-1 feature accuracy against the amount of training data (issue #5: the model size sweep left
blur/noise/compression unlearned; a CNN probe showed the labels need more images, not a larger model).

Each variant re-synthesizes synth_koniq's training split with more crops per photograph, labels it with
the thresholds of the finished `make run` (so every variant learns the same label definitions), trains
stage 1 of the embedded model, and describes the same test images of `resources/synth_koniq`.
Writes results/experiments/stage1_data_sweep.json.

    .venv/bin/python experiments/stage1_data_sweep.py [--images 192]
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
import time
from pathlib import Path

from common import ROOT, L, accuracy, synth_koniq_variant

# name -> (crops per photograph of the training split, the two-stage budget `train.steps`,
#          phrases per feature level in the descriptions: None = all, as before this sweep)
VARIANTS = {
    "12 crops/photo, 1500 steps, all phrases": (12, 1500, None),
    "48 crops/photo, 1500 steps, all phrases": (48, 1500, None),
    "48 crops/photo, 4500 steps, all phrases": (48, 4500, None),
    "12 crops/photo, 1500 steps, one phrase": (12, 1500, 1),
    "48 crops/photo, 1500 steps, one phrase": (48, 1500, 1),
    "48 crops/photo, 3000 steps, one phrase": (48, 3000, 1),
}


def main() -> None:
    import pandas as pd

    from reasoniqa.config import load_config
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.io import write_jsonl
    from reasoniqa.labels import load_thresholds
    from reasoniqa.model.tiny import build_tiny
    from reasoniqa.records import all_records
    from reasoniqa.sampling import subset
    from reasoniqa.train import train

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=192, help="test images of synth_koniq to describe")
    ap.add_argument("--out", default=str(ROOT / "results/experiments/stage1_data_sweep.json"))
    ap.add_argument("--only", nargs="+", choices=list(VARIANTS), help="run these variants, keep the others' results")
    args = ap.parse_args()
    out = Path(args.out)
    base_cfg = load_config(ROOT / "config/config.yaml")
    frame, _ = load_manifest(L.dataset("synth_koniq"), split="test")
    frame = subset(frame, args.images, 0)
    features = pd.read_csv(L.features("synth_koniq")).set_index("name")
    thresholds = load_thresholds(L.artifact("calibration"))
    results = json.loads(out.read_text()) if args.only and out.exists() else {}
    for name, (crops, steps, paraphrases) in VARIANTS.items():
        if args.only and name not in args.only:
            continue
        cfg = copy.deepcopy(base_cfg)
        cfg["train"]["steps"] = steps
        cfg["labels"]["paraphrases"] = paraphrases
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            data, features_csv = synth_koniq_variant(cfg, crops, tmp)
            train_frame, _ = load_manifest(data, split="train")
            records = all_records(train_frame, pd.read_csv(features_csv), thresholds, "synth_koniq", cfg)
            write_jsonl(tmp / "stage1.jsonl", records["stage1"])
            build_tiny(cfg, tmp / "base")
            t = time.perf_counter()
            stats = train(cfg, str(tmp / "base"), [str(tmp / "stage1.jsonl")], 0, tmp / "ad", tmp / "ck",
                          stage="stage1")
            took = time.perf_counter() - t
            res = accuracy(cfg, str(tmp / "base"), str(tmp / "ad"), frame, features, thresholds)
        results[name] = {"train_images": len(train_frame), "paraphrases": paraphrases, "steps": stats.get("steps", steps), "train_s": took,
                         "loss_last_10_mean": stats.get("loss_last_10_mean"), **res}
        print(name, json.dumps(results[name]["accuracy"]), flush=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2) + "\n")  # after every variant: a long sweep keeps its parts


if __name__ == "__main__":
    main()
