"""Where is the ceiling lost? (issue #22 item 2; README "Descriptions and how far to trust them")

On a finished run's features: a linear model on each feature's measured value and its square, fitted on
synth_koniq's training split, with some features replaced by their applied strength (a perfect
measurement of just those); mean test SRCC over the four stand-ins; and per measured colour level of the
training split, its mean score and how many of its images are noisy or desaturated. With `--size N`, the four stand-ins
are also re-made at N px, measured there, and the measured-level ceiling computed on them with the
given level cuts (the model's view is not part of it).

    .venv/bin/python experiments/ceiling_sources.py [--results DIR --resources DIR] [--size 128 --cuts 0.75 0.85 0.93]

Writes <results>/experiments/ceiling_sources.json.
"""

from __future__ import annotations

import argparse
import copy
import tempfile
from pathlib import Path

import numpy as np

from common import ROOT, stand_in_split, write_result

STAND_INS = ["synth_koniq", "synth_spaq", "synth_live", "synth_csiq"]
REPLACED = [(), ("blur",), ("noise",), ("compression",), ("exposure",), ("contrast", "colour"),
            ("blur", "noise", "compression")]


def split_of(resources: str, results: str, dataset: str, split: str):
    """(applied strengths [N, 6], measured values [N, 6], scores) of a stand-in's split."""
    frame, measured, applied = stand_in_split(resources, results, dataset, split)
    return applied, measured.to_numpy(float), frame["score"].to_numpy()


def design(strengths, values, replaced) -> np.ndarray:
    from reasoniqa.features import FEATURES

    cols = [np.ones(len(values))]
    for i, f in enumerate(FEATURES):
        x = strengths[:, i] if f in replaced else values[:, i]
        cols += [x, x**2] + ([np.abs(x)] if f == "exposure" and f in replaced else [])
    return np.stack(cols, axis=1)


def replaced_features(resources: str, results: str) -> dict:
    from scipy import stats

    train = split_of(resources, results, "synth_koniq", "train")
    tests = {d: split_of(resources, results, d, "test") for d in STAND_INS}
    out = {}
    for replaced in REPLACED:
        w = np.linalg.lstsq(design(train[0], train[1], replaced), train[2], rcond=None)[0]
        per = {d: float(stats.spearmanr(design(s, v, replaced) @ w, y).statistic) for d, (s, v, y) in tests.items()}
        out["+".join(replaced) or "none"] = {"mean_srcc": float(np.mean(list(per.values()))), **per}
        print(f"applied instead of measured: {'+'.join(replaced) or 'none':26s} mean SRCC {out['+'.join(replaced) or 'none']['mean_srcc']:.3f}")
    return out


def colour_levels(resources: str, results: str) -> dict:
    """Per measured colour level of synth_koniq's training split: images, mean score (0-1, higher
    better), share with applied noise and with a desaturation above 0.3. Desaturation costs little in
    the recipe, so whichever level scores higher here sets the sign of the ceiling's colour weights (and
    of the desaturation ladder)."""
    from reasoniqa.features import FEATURES, levels_of
    from reasoniqa.labels import load_thresholds

    frame, measured, applied = stand_in_split(resources, results, "synth_koniq", "train")
    thresholds = load_thresholds(f"{results}/labels/calibration.json", every_feature=True)
    level = np.array([levels_of(row, thresholds)["colour"] for _, row in measured.iterrows()])
    noisy = applied[:, FEATURES.index("noise")] > 0
    desaturated = applied[:, FEATURES.index("colour")] > 0.3
    out = {}
    for name in dict.fromkeys(level):
        at = level == name
        out[str(name)] = {"images": int(at.sum()), "mean_score": float(frame["score"].to_numpy()[at].mean()),
                          "with_noise": float(noisy[at].mean()), "desaturated": float(desaturated[at].mean())}
        print(f"colour {name:8s} {out[name]}")
    return out


def larger_stand_ins(size: int, cuts: list[float]) -> dict:
    """The stand-ins re-made at `size` px, measured there; the ceiling table's measured-level row."""
    import pandas as pd

    from reasoniqa.config import load_config
    from reasoniqa.data.synth import synthesize
    from reasoniqa.labels import calibrate_files, measure_dataset
    from reasoniqa.tables.ceiling import CEILING, ceiling_table

    cfg = load_config([ROOT / "config/config.yaml"])
    quantiles = {f: cuts for f in ("blur", "noise")}  # compression: its own cuts among compressed images
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for d in STAND_INS:
            spec = {**copy.deepcopy(cfg["datasets"][d]), "image_size": size}
            synthesize(d, spec, tmp / d, cfg["test_photos"], progress=False)
            measure_dataset(str(tmp / d), str(tmp / f"{d}.csv"), workers=cfg["torch_threads"])
        calibrate_files([str(tmp / "synth_koniq.csv")], str(tmp / "calibration.json"), quantiles,
                        cfg["labels"].get("features"))
        ceiling_table([str(tmp / "synth_koniq.csv")], {d: str(tmp / f"{d}.csv") for d in STAND_INS},
                      {d: str(tmp / d) for d in STAND_INS}, str(tmp / "calibration.json"), [], [], str(tmp / "c.csv"))
        table = pd.read_csv(tmp / "c.csv").set_index(["rater", "dataset"])["srcc"]
    out = {"size": size, "cuts": cuts, "ceiling_mean_srcc": float(table[(CEILING, "mean")])}
    print(f"stand-ins at {size} px, cuts {cuts}: measured-level ceiling {out['ceiling_mean_srcc']:.3f}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", default=str(ROOT / "results"))
    ap.add_argument("--resources", default=str(ROOT / "resources"))
    ap.add_argument("--size", type=int, help="also re-make the stand-ins at this size (minutes)")
    ap.add_argument("--cuts", type=float, nargs=3, default=[0.75, 0.85, 0.93],
                    help="level cuts of blur and noise for --size")
    args = ap.parse_args()
    out = {"applied_instead_of_measured": replaced_features(args.resources, args.results),
           "colour_levels": colour_levels(args.resources, args.results)}
    if args.size:
        out["larger_stand_ins"] = larger_stand_ins(args.size, args.cuts)
    write_result(args.results, "ceiling_sources", out)


if __name__ == "__main__":
    main()
