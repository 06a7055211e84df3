"""Stage-1 feature accuracy with and without the embedded base's vision pretraining (issue #22 item 3;
reasoniqa.model.vision_pretrain, the workflow's pretrain_vision step).

For each number of pretraining steps: the run's random-init base (results/models/base_random) gets its
vision tower and projector pretrained on synth_koniq's training images, the head's Spearman against the
measured features of the test images says what the tower learned to see, then stage 1 alone is trained on
that base with the run's own records and describes the same synth_koniq test images as
experiments/stage1_balance.py (0 steps: the random base, as before the pretraining existed).
Writes <run>/results/experiments/vision_pretrain.json.

    .venv/bin/python experiments/vision_pretrain.py --run /tmp/runclone [--steps 0 1500 3000]
"""

from __future__ import annotations

import argparse
import copy
import tempfile
import time
from pathlib import Path

from common import accuracy, finished_run, write_result


def main() -> None:
    import torch
    from scipy.stats import spearmanr

    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.features import FEATURES
    from reasoniqa.layout import Layout
    from reasoniqa.model.load import load_base, save_model
    from reasoniqa.model.vision_pretrain import (image_inputs, pooled_image_tokens, pretrain_vision, rank_normal,
                                                 training_images)
    from reasoniqa.train import train

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", required=True, help="a workflow tree with base models, synth_koniq labels and features")
    ap.add_argument("--steps", type=int, nargs="+", default=[0, 3000], help="pretraining steps (0: the random base; 3000: the default)")
    ap.add_argument("--images", type=int, default=192, help="test images of synth_koniq to describe")
    ap.add_argument("--name", default="vision_pretrain")
    args = ap.parse_args()
    tree = finished_run(args.run, args.images)
    run, cfg, frame, features, thresholds = (tree[k] for k in ("run", "cfg", "frame", "features", "thresholds"))
    layout = Layout(str(run / "results"), str(run / "resources"))
    random_base = layout.artifact("random_base")
    paths, values = training_images([layout.dataset("synth_koniq")], [layout.features("synth_koniq")])
    test, _ = load_manifest(layout.dataset("synth_koniq"), split="test")
    records = layout.records("synth_koniq", "stage1")
    out = {"run": str(run), "images": len(frame), "variants": {}}
    for steps in args.steps:
        spec = {**cfg["model"]["embedded"]["vision_pretrain"], "steps": steps}
        model, processor = load_base(random_base, cfg)
        row = {}
        if steps:
            t = time.perf_counter()
            stats, head = pretrain_vision(model, processor, paths, rank_normal(values), spec, cfg["model"]["embedded"]["seed"])
            row = {**stats, "pretrain_s": round(time.perf_counter() - t, 1)}
            with torch.no_grad():
                guess = head(pooled_image_tokens(model, image_inputs(processor, list(test["path"])))).numpy()
            truth = features.loc[test["name"], FEATURES].to_numpy()
            row["test_spearman_of_head"] = {f: round(float(spearmanr(guess[:, j], truth[:, j])[0]), 3)
                                            for j, f in enumerate(FEATURES)}
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            save_model(model, processor, tmp / "base", stamp=False)
            t = time.perf_counter()
            stats = train(copy.deepcopy(cfg), str(tmp / "base"), [records], 0, tmp / "ad", tmp / "ck", stage="stage1")
            row.update(stage1_steps=stats["steps"], stage1_train_s=round(time.perf_counter() - t, 1))
            row.update(accuracy(cfg, str(tmp / "base"), str(tmp / "ad"), frame, features, thresholds))
        out["variants"][str(steps)] = row
        print(steps, row.get("test_spearman_of_head"), {k: {f: round(v, 3) for f, v in row[k].items()}
                                                        for k in ("accuracy", "majority_baseline", "balanced_accuracy")}, flush=True)
        write_result(run / "results", args.name, out)


if __name__ == "__main__":
    main()
