"""How far can a measurement of one image track its applied distortion? (issue #22 item 1)

The feature validation compares each measured value with the applied strength over the test splits
pooled, where the photographs' own sharpness and brightness vary as much as the distortions do. Here
each value is also given *relative to its photograph*: less the mean value of that photograph's test
images that carry none of the feature's distortions (content knowledge no single-image estimator has).
If even that oracle stays under the 0.7 goal, the goal is out of reach of any estimator on these
stand-ins: what is left is strengths too weak to see (squared-uniform draws: a quarter of the blurs
have a Gaussian sigma under 0.43 px) and other distortions in the same image.

    .venv/bin/python experiments/content_oracle.py [--results DIR --resources DIR --config FILE]

Writes <results>/experiments/content_oracle.json: per feature, Spearman(value, strength) as measured
and relative to the photograph, on the four stand-ins' test splits pooled; for the features cut over all
their values (not ABSENT_AT_ZERO: blur, exposure, contrast) also the Spearman of the *level* (the
feature validation's measure): each image's deviation from its photograph's clean mean (the training
split's from the training photographs'), placed at the training split's mean clean value and cut at the
training split's quantiles of the same (the config's labels.quantiles); and the ceiling (the
workflow's linear model on one-hot measured levels, `tables.ceiling`) with that feature's level taken
from the oracle: what the goals of issue #22 (level Spearman 0.7, ceiling 0.75) would reach with
content knowledge.
"""

from __future__ import annotations

import argparse

import numpy as np

from common import ROOT, stand_in_split, write_result

STAND_INS = ["synth_koniq", "synth_spaq", "synth_live", "synth_csiq"]


def deviation_from_photograph(values: np.ndarray, strengths: np.ndarray, photo: np.ndarray) -> np.ndarray:
    """Each value less the mean of its photograph's images without the distortion (strength 0)."""
    import pandas as pd

    clean = strengths == 0
    means = pd.Series(values[clean]).groupby(photo[clean]).mean().reindex(photo).to_numpy()
    if np.isnan(means).any():
        raise SystemExit(f"photographs without an image free of the distortion: {sorted(set(photo[np.isnan(means)]))}")
    return values - means


def split_arrays(resources: str, results: str, datasets: list[str], split: str):
    """The datasets' `split`, concatenated: (frame with scores and distortions, measured [N, FEATURES],
    applied strengths [N, FEATURES], photograph of each image)."""
    import pandas as pd

    from reasoniqa.data.synth import photograph_of

    parts = [stand_in_split(resources, results, d, split) for d in datasets]  # references left out
    frame = pd.concat([p[0].assign(dataset=d) for d, p in zip(datasets, parts)], ignore_index=True)
    return (frame, np.concatenate([p[1].to_numpy(float) for p in parts]), np.concatenate([p[2] for p in parts]),
            frame["content"].map(photograph_of).to_numpy())


def oracle(resources: str, results: str, config: str) -> dict:
    import pandas as pd
    from scipy import stats

    from reasoniqa.config import load_config
    from reasoniqa.features import (ABSENT_AT_ZERO, FEATURES, calibrate, described, feature_cuts, level_quantiles,
                                    levels_of)
    from reasoniqa.labels import GROUND_TRUTH
    from reasoniqa.tables.ceiling import fit_level_model, level_design

    cfg = load_config(config)
    test_frame, values, strengths, photo = split_arrays(resources, results, STAND_INS, "test")
    train_frame, train_values, train_strengths, train_photo = split_arrays(
        resources, results, cfg["train_datasets"], "train")
    quantiles = (cfg.get("labels") or {}).get("quantiles")
    cuts = calibrate(pd.DataFrame(train_values, columns=FEATURES), quantiles)
    named = described((cfg.get("labels") or {}).get("features"))

    def level_index(v, thresholds):
        return np.searchsorted(thresholds, v, side="right")  # features.quantize's level, as its index

    def ceiling(test_v, train_v):
        """Mean test SRCC over the stand-ins of the ceiling's model (linear on one-hot levels of `named`)."""
        train = pd.DataFrame(train_v, columns=FEATURES).assign(score=train_frame["score"].to_numpy(float))
        th = {f: c for f, c in calibrate(train, quantiles).items() if f in named}
        w = fit_level_model(train, th)
        srcc = []
        for d in STAND_INS:
            rows = (test_frame["dataset"] == d).to_numpy()
            levels = [levels_of(r, th) for r in pd.DataFrame(test_v[rows], columns=FEATURES).to_dict("records")]
            srcc.append(stats.spearmanr(level_design(levels) @ w, test_frame["score"].to_numpy(float)[rows]).statistic)
        return float(np.mean(srcc))

    out = {"ceiling_measured": ceiling(values, train_values)}
    print(f"ceiling (linear on measured levels) {out['ceiling_measured']:.3f}")
    for i, f in enumerate(FEATURES):
        sign = GROUND_TRUTH[f][1]
        v, s = values[:, i], sign * strengths[:, i]
        relative = deviation_from_photograph(v, s, photo)
        out[f] = {"measured": float(stats.spearmanr(v, s).statistic),
                  "relative_to_photograph": float(stats.spearmanr(relative, s).statistic)}
        line = (f"{f:12s} Spearman(value, strength) {out[f]['measured']:.3f}, "
                f"relative to its photograph {out[f]['relative_to_photograph']:.3f}")
        if f not in ABSENT_AT_ZERO:  # a deviation has no "absent" zero to cut around
            # both splits' deviations placed at the training split's mean clean value, so that the cuts
            # (training quantiles) and the refitted model see test and training images on one scale
            train_dev = deviation_from_photograph(train_values[:, i], sign * train_strengths[:, i], train_photo)
            anchor = train_values[:, i][train_strengths[:, i] == 0].mean()
            relative, train_rel = relative + anchor, train_dev + anchor
            rel_cuts = feature_cuts(train_rel, f, level_quantiles(quantiles)[f])
            out[f]["level_measured"] = float(stats.spearmanr(level_index(v, cuts[f]), s).statistic)
            out[f]["level_relative_to_photograph"] = float(stats.spearmanr(level_index(relative, rel_cuts), s).statistic)
            line += (f"; level {out[f]['level_measured']:.3f}, relative {out[f]['level_relative_to_photograph']:.3f}")
            if f in named:
                test_v, train_v = values.copy(), train_values.copy()
                test_v[:, i], train_v[:, i] = relative, train_rel
                out[f]["ceiling_relative_to_photograph"] = ceiling(test_v, train_v)
                line += f"; ceiling with it {out[f]['ceiling_relative_to_photograph']:.3f}"
        print(line)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", default=str(ROOT / "results"))
    ap.add_argument("--resources", default=str(ROOT / "resources"))
    ap.add_argument("--config", default=str(ROOT / "config/config.yaml"), help="the config the run was made with")
    args = ap.parse_args()
    write_result(args.results, "content_oracle", oracle(args.resources, args.results, args.config))


if __name__ == "__main__":
    main()
