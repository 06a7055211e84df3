"""Stage-1 feature accuracy with procedural training content beside the photographs (issue #22 item 3).

The 12 training photographs give synth_koniq 576 crops; this adds `--contents` procedural images of a
kind neither the test splits nor the ladders use (the ladders are dead leaves): rectangles with
power-law sizes painted back to front, each filled with its own 1/f (natural-spectrum) texture — sharp
occlusion edges, flat and textured areas, random colours. Each gets synth_koniq's distortion recipe and
MOS model, is measured and labelled with the finished run's thresholds, and joins the run's own stage-1
records; stage 1 alone is trained on the union and describes the same synth_koniq test images as
experiments/stage1_balance.py (compare with its level_balance 0 variant on the same run).
Writes <run>/results/experiments/stage1_procedural.json.

    .venv/bin/python experiments/stage1_procedural.py --run /tmp/benchrun_old [--contents 576]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from common import accuracy, finished_run, write_result


def one_over_f(size: int, rng, alpha: float = 1.0) -> np.ndarray:
    """[size, size] random-phase field with amplitude ~ 1/f^alpha, scaled to zero mean, unit std."""
    fy, fx = np.meshgrid(np.fft.fftfreq(size), np.fft.fftfreq(size), indexing="ij")
    amplitude = 1.0 / np.maximum(np.hypot(fy, fx), 1.0 / size) ** alpha
    field = np.real(np.fft.ifft2(amplitude * np.exp(2j * np.pi * rng.uniform(0, 1, (size, size)))))
    return (field - field.mean()) / (field.std() + 1e-12)


def textured_rectangles(size: int, rng, rectangles: int = 60) -> np.ndarray:
    """[size, size, 3] in [0, 1]: rectangles (sides ~ r^-2 between 3 % and 60 % of the side) painted back
    to front, each a random colour modulated by its own 1/f texture of random strength."""
    def fill(h, w):
        colour = rng.uniform(0.1, 0.9, 3)
        texture = one_over_f(max(h, w), rng, rng.uniform(0.8, 1.6))[:h, :w, None]
        return np.clip(colour + rng.uniform(0.0, 0.15) * texture, 0, 1)

    img = fill(size, size)
    u = rng.uniform(0, 1, (rectangles, 2))
    lo, hi = 0.03, 0.6
    sides = (lo**-1 - u * (lo**-1 - hi**-1)) ** -1 * size  # density ~ r^-2 on [lo, hi]
    for h, w in np.maximum(sides.astype(int), 2):
        y, x = rng.integers(-h // 2, size), rng.integers(-w // 2, size)
        y0, x0, y1, x1 = max(y, 0), max(x, 0), min(y + h, size), min(x + w, size)
        if y1 > y0 and x1 > x0:
            img[y0:y1, x0:x1] = fill(y1 - y0, x1 - x0)
    return img


def synthesize_procedural(spec: dict, contents: int, out: Path):
    """`contents` procedural images x synth_koniq's versions per crop, training split: a manifest frame with
    absolute image paths."""
    import pandas as pd
    from PIL import Image

    from reasoniqa.data import distortions as D
    from reasoniqa.data import psychometric
    from reasoniqa.data.synth import distorted_versions

    rng = np.random.default_rng([spec.get("seed", 0), 7])
    rater_bias = rng.normal(0, psychometric.RATER_BIAS_SD, spec.get("raters", 20))
    (out / "images").mkdir(parents=True)
    rows = []
    for c in range(contents):
        pristine = textured_rectangles(spec["image_size"], rng)
        content_quality = float(rng.uniform(0.85, 1.0))
        for name, img, row in distorted_versions(pristine, content_quality, f"rectangles_{c:04d}", "train", spec,
                                                 rater_bias, rng):
            Image.fromarray(D.to_uint8(img)).save(out / "images" / name)
            rows.append({**row, "path": str(out / "images" / name)})
    return pd.DataFrame(rows)


def main() -> None:
    import pandas as pd

    from reasoniqa.io import read_jsonl, write_jsonl
    from reasoniqa.labels import _measure_file
    from reasoniqa.records import all_records
    from reasoniqa.train import train

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", required=True, help="a finished workflow tree (its results/ and resources/)")
    ap.add_argument("--contents", type=int, default=576, help="procedural contents (x versions_per_crop images)")
    ap.add_argument("--images", type=int, default=192, help="test images of synth_koniq to describe")
    args = ap.parse_args()
    tree = finished_run(args.run, args.images)
    run, cfg, base, frame, features, thresholds = (tree[k] for k in ("run", "cfg", "base", "frame", "features",
                                                                      "thresholds"))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        extra = synthesize_procedural(cfg["datasets"]["synth_koniq"], args.contents, tmp / "data")
        measured = pd.DataFrame([{"name": n, **_measure_file(p)} for n, p in zip(extra["name"], extra["path"])])
        made_s = time.perf_counter() - t
        records = all_records(extra, measured, thresholds, "synth_koniq", cfg)["stage1"]
        own = list(read_jsonl(run / "results/labels/synth_koniq/stage1.jsonl"))
        write_jsonl(tmp / "stage1.jsonl", own + records)
        levels = pd.DataFrame([r["features"] for r in records])
        t = time.perf_counter()
        stats = train(cfg, base, [str(tmp / "stage1.jsonl")], 0, tmp / "ad", tmp / "ck", stage="stage1")
        took = time.perf_counter() - t
        res = accuracy(cfg, base, str(tmp / "ad"), frame, features, thresholds)
    out = {"run": str(run), "procedural_images": len(records), "photograph_records": sum(r["split"] == "train" for r in own),
           "synthesize_and_measure_s": round(made_s, 1), "steps": stats["steps"], "train_s": round(took, 1),
           "procedural_level_shares": {f: levels[f].value_counts(normalize=True).round(3).to_dict() for f in levels},
           "images": len(frame), **res}
    print({k: {f: round(v, 3) for f, v in res[k].items()} for k in ("accuracy", "majority_baseline", "balanced_accuracy")})
    write_result(run / "results", "stage1_procedural", out)


if __name__ == "__main__":
    main()
