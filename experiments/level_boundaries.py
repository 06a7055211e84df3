"""Where should the level boundaries of the degradation features sit? (issue #22)

A feature's levels are cut at quantiles of the training split (reasoniqa.features.QUANTILES). This
scores boundary sets for blur, noise, compression (one set for the three) and exposure by the Spearman of the measured level
against the applied strength on synth_koniq's *training* split (its ground truth), so the choice is made
without the test splits; the test splits' figure is printed beside it as a check, not used to choose.

    .venv/bin/python experiments/level_boundaries.py [--results DIR --resources DIR]

Reads a finished run's features and datasets (`make run`; the default config's features are the same in
every run); writes <results>/experiments/level_boundaries.json.
"""

from __future__ import annotations

import argparse

import numpy as np

from common import ROOT, stand_in_split, write_result

CANDIDATES = {
    "degradation": [[0.5, 0.75, 0.9], [0.6, 0.8, 0.92], [0.7, 0.8, 0.9], [0.75, 0.85, 0.93], [0.8, 0.9, 0.95],
                    [0.85, 0.9, 0.95]],
    "exposure": [[0.15, 0.85], [0.15, 0.8], [0.2, 0.8], [0.25, 0.85], [0.3, 0.9]],
    # compression is cut among the compressed images (features.ABSENT_AT_ZERO): "none" is mostly the others
    "compression": [[0.2, 0.45, 0.7], [0.25, 0.5, 0.75], [0.35, 0.6, 0.8], [0.5, 0.75, 0.9]],
}


def strengths(resources: str, results: str, dataset: str, split: str):
    """The split's measured features and the applied strength each feature should track (DataFrames)."""
    import pandas as pd

    from reasoniqa.features import FEATURES

    _, measured, applied = stand_in_split(resources, results, dataset, split)
    return measured, pd.DataFrame(applied, columns=FEATURES)


def level_srcc(values, strength, calibration_values, quantiles, sign: int, feature: str) -> float:
    from scipy import stats

    from reasoniqa.features import feature_cuts

    # the workflow's own cutting (compression among the images with a JPEG quantization found)
    thresholds = feature_cuts(calibration_values, feature, quantiles)
    return float(stats.spearmanr(np.searchsorted(thresholds, values, side="right"), sign * strength).statistic)


def main() -> None:
    import pandas as pd

    from reasoniqa.labels import GROUND_TRUTH

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", default=str(ROOT / "results"))
    ap.add_argument("--resources", default=str(ROOT / "resources"))
    args = ap.parse_args()
    train_f, train_s = strengths(args.resources, args.results, "synth_koniq", "train")
    tests = [strengths(args.resources, args.results, ds, "test")
             for ds in ("synth_koniq", "synth_spaq", "synth_live", "synth_csiq")]
    test_f = pd.concat([t[0] for t in tests], ignore_index=True)
    test_s = pd.concat([t[1] for t in tests], ignore_index=True)
    out = {}
    for feature in ("blur", "noise", "compression", "exposure"):
        sign = GROUND_TRUTH[feature][1]
        rows = []
        for q in CANDIDATES.get(feature, CANDIDATES["degradation"]):
            rows.append({"quantiles": q,
                         "train_srcc": level_srcc(train_f[feature], train_s[feature], train_f[feature], q, sign, feature),
                         "test_srcc": level_srcc(test_f[feature], test_s[feature], train_f[feature], q, sign, feature)})
        best = max(rows, key=lambda r: r["train_srcc"])
        out[feature] = {"train_share_with_distortion": float((train_s[feature] != 0).mean()),
                        "chosen_on_train": best["quantiles"], "candidates": rows}
        print(f"{feature:12s} share distorted (train) {out[feature]['train_share_with_distortion']:.2f}")
        for r in rows:
            mark = "  <- best on train" if r is best else ""
            print(f"  {str(r['quantiles']):22s} train {r['train_srcc']:.3f}  test {r['test_srcc']:.3f}{mark}")
    # blur and noise share their four level names, hence one set of boundaries: the best mean over the
    # two on the training split (noise's taken among the images with chroma, compression's among the
    # compressed images, features.ABSENT_AT_ZERO: compression has its own set above)
    shared = max(CANDIDATES["degradation"], key=lambda q: np.mean(
        [next(r["train_srcc"] for r in out[f]["candidates"] if r["quantiles"] == q) for f in ("blur", "noise")]))
    out["degradations_chosen_on_train"] = shared
    print("blur and noise together: best mean on train", shared)
    write_result(args.results, "level_boundaries", out)


if __name__ == "__main__":
    main()
