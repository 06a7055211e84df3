"""How far can a measurement of one image track its applied distortion? (issue #22 item 1)

The feature validation compares each measured value with the applied strength over the test splits
pooled, where the photographs' own sharpness and brightness vary as much as the distortions do. Here
each value is also given *relative to its photograph*: less the mean value of that photograph's test
images that carry none of the feature's distortions (content knowledge no single-image estimator has).
If even that oracle stays under the 0.7 goal, the goal is out of reach of any estimator on these
stand-ins: what is left is strengths too weak to see (squared-uniform draws: a quarter of the blurs
have a Gaussian sigma under 0.43 px) and other distortions in the same image.

    .venv/bin/python experiments/content_oracle.py [--results DIR --resources DIR]

Writes <results>/experiments/content_oracle.json: per feature, Spearman(value, strength) as measured
and relative to the photograph, on the four stand-ins' test splits pooled.
"""

from __future__ import annotations

import argparse

import numpy as np

from common import ROOT, stand_in_split, write_result

STAND_INS = ["synth_koniq", "synth_spaq", "synth_live", "synth_csiq"]


def oracle(resources: str, results: str) -> dict:
    import pandas as pd
    from scipy import stats

    from reasoniqa.data.synth import photograph_of
    from reasoniqa.features import FEATURES
    from reasoniqa.labels import GROUND_TRUTH

    parts = []
    for d in STAND_INS:
        frame, measured, applied = stand_in_split(resources, results, d, "test")
        photo = frame["content"].map(photograph_of).to_numpy()
        parts.append((photo, measured.to_numpy(float), applied))
    photo = np.concatenate([p for p, _, _ in parts])
    values = np.concatenate([v for _, v, _ in parts])
    strengths = np.concatenate([s for _, _, s in parts])
    out = {}
    for i, f in enumerate(FEATURES):
        sign = GROUND_TRUTH[f][1]
        v, s = values[:, i], sign * strengths[:, i]
        clean = pd.Series(v[s == 0]).groupby(photo[s == 0]).mean()
        relative = v - clean.reindex(photo).to_numpy()
        out[f] = {"measured": float(stats.spearmanr(v, s).statistic),
                  "relative_to_photograph": float(stats.spearmanr(relative, s).statistic)}
        print(f"{f:12s} Spearman(value, strength) {out[f]['measured']:.3f}, "
              f"relative to its photograph {out[f]['relative_to_photograph']:.3f}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", default=str(ROOT / "results"))
    ap.add_argument("--resources", default=str(ROOT / "resources"))
    args = ap.parse_args()
    write_result(args.results, "content_oracle", oracle(args.resources, args.results))


if __name__ == "__main__":
    main()
