"""How learnable are the stage-1 labels from pixels at all? A small CNN trained directly on image ->
feature levels (one classification head per feature), without the VLM, for synth_koniq training splits
of different sizes. If the probe cannot beat the majority level, no description model trained on the
same images will; if it can and the VLM cannot, the VLM is the bottleneck (issue #5).

Uses the stand-in test split and the calibration of a finished `make run`. Writes
results/experiments/label_probe.json.

    .venv/bin/python experiments/label_probe.py [--crops 12 48] [--updates 1080]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from common import ROOT, L, synth_koniq_variant


def tensors(data_dir: Path, split: str, features_csv: Path, thresholds: dict):
    """Images [N, 3, H, W] in [0, 1] and level indices [N, features]."""
    import numpy as np
    import pandas as pd
    import torch

    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.features import FEATURES, LEVELS, levels_of
    from reasoniqa.images import load_image

    frame, _ = load_manifest(data_dir, split=split)
    feats = pd.read_csv(features_csv).set_index("name")
    x = np.stack([np.asarray(load_image(p)) for p in frame["path"]]).astype(np.float32) / 255
    y = [[LEVELS[f].index(levels_of(feats.loc[n], thresholds)[f]) for f in FEATURES] for n in frame["name"]]
    return torch.tensor(x).permute(0, 3, 1, 2), torch.tensor(y)


def probe(x_train, y_train, x_test, y_test, updates: int, seed: int = 0) -> dict[str, float]:
    """Test accuracy per feature of a 4-conv CNN trained for `updates` AdamW steps of 32 images."""
    import torch
    from torch import nn

    from reasoniqa.features import FEATURES, LEVELS

    torch.manual_seed(seed)
    trunk = nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.GELU(), nn.Conv2d(32, 32, 3, padding=1), nn.GELU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.GELU(), nn.MaxPool2d(2), nn.Conv2d(64, 64, 3, padding=1), nn.GELU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten())
    heads = nn.ModuleList([nn.Linear(64, len(LEVELS[f])) for f in FEATURES])
    params = list(trunk.parameters()) + list(heads.parameters())
    opt = torch.optim.AdamW(params, 1e-3)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(updates):
        batch = torch.randint(0, len(x_train), (32,), generator=gen)
        h = trunk(x_train[batch])
        loss = sum(nn.functional.cross_entropy(head(h), y_train[batch, j]) for j, head in enumerate(heads))
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        h = trunk(x_test)
        return {f: float((head(h).argmax(1) == y_test[:, j]).float().mean()) for j, (f, head) in enumerate(zip(FEATURES, heads))}


def main() -> None:
    import torch

    from reasoniqa.config import load_config
    from reasoniqa.features import FEATURES
    from reasoniqa.labels import load_thresholds

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--crops", type=int, nargs="+", default=[12, 48], help="training crops per photograph")
    ap.add_argument("--updates", type=int, default=1080, help="optimizer steps of 32 images")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "results/experiments/label_probe.json"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = load_config(ROOT / "config/config.yaml")
    thresholds = load_thresholds(L.artifact("calibration"), every_feature=True)
    x_test, y_test = tensors(L.dataset("synth_koniq"), "test", L.features("synth_koniq"),
                             thresholds)
    results = {}
    for crops in args.crops:
        with tempfile.TemporaryDirectory() as tmp:
            data, features_csv = synth_koniq_variant(cfg, crops, Path(tmp))
            x_train, y_train = tensors(data, "train", features_csv, thresholds)
        majority = {f: float((y_test[:, j] == y_train[:, j].mode().values).float().mean()) for j, f in enumerate(FEATURES)}
        results[f"{crops} crops/photo"] = {"train_images": len(x_train), "updates": args.updates,
                                           "accuracy": probe(x_train, y_train, x_test, y_test, args.updates),
                                           "majority_baseline": majority}
        print(crops, json.dumps(results[f"{crops} crops/photo"]), flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
