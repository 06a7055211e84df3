"""Stage-1 feature accuracy with records drawn to favour rare feature levels (train.level_balance).

With the degradations' "none" cut at the 75th percentile (experiments/level_boundaries_75.yaml) stage 1
learned to name "none" for everything; this trains stage 1 alone on a finished run's own stage-1 records
and base model, once per `level_balance` value, and describes the same synth_koniq test images with each.
Accuracy is against the run's measured levels, next to the majority level's and as balanced accuracy
(the mean recall over a feature's levels: a constant answer scores 1 / levels).
Writes <run>/results/experiments/stage1_balance.json.

    .venv/bin/python experiments/stage1_balance.py --run /tmp/benchrun [--balance 0 0.5 1] [--images 192]
"""

from __future__ import annotations

import argparse
import copy
import tempfile
import time
from pathlib import Path

from common import accuracy, finished_run, write_result


def main() -> None:
    from reasoniqa.train import train

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", required=True, help="a finished workflow tree (its results/ and resources/)")
    ap.add_argument("--balance", type=float, nargs="+", default=[0.0, 0.5, 1.0], help="train.level_balance values")
    ap.add_argument("--stage1-fraction", type=float, help="train.stage1_fraction (default: the run's config)")
    ap.add_argument("--images", type=int, default=192, help="test images of synth_koniq to describe")
    ap.add_argument("--name", default="stage1_balance", help="the result's name under results/experiments/")
    args = ap.parse_args()
    tree = finished_run(args.run, args.images)
    run, cfg0, base, frame, features, thresholds = (tree[k] for k in ("run", "cfg", "base", "frame", "features",
                                                                       "thresholds"))
    records = str(run / "results/labels/synth_koniq/stage1.jsonl")
    out = {"run": str(run), "stage1_fraction": args.stage1_fraction or cfg0["train"]["stage1_fraction"], "thresholds": thresholds, "images": len(frame), "variants": {}}
    for power in args.balance:
        cfg = copy.deepcopy(cfg0)
        cfg["train"]["level_balance"] = power
        if args.stage1_fraction:
            cfg["train"]["stage1_fraction"] = args.stage1_fraction
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            stats = train(cfg, base, [records], 0, Path(tmp) / "ad", Path(tmp) / "ck", stage="stage1")
            took = time.perf_counter() - t
            res = accuracy(cfg, base, str(Path(tmp) / "ad"), frame, features, thresholds)
        out["variants"][str(power)] = {"steps": stats["steps"], "train_s": round(took, 1),
                                       "loss_last_10_mean": stats["loss_last_10_mean"], **res}
        print(power, {k: {f: round(v, 3) for f, v in res[k].items()}
                      for k in ("accuracy", "majority_baseline", "balanced_accuracy")}, flush=True)
        write_result(run / "results", args.name, out)  # after every variant: a long sweep keeps its parts


if __name__ == "__main__":
    main()
