"""The ceiling table (reasoniqa.tables.ceiling) on fabricated data whose quality follows from the features."""

import json

import numpy as np
import pandas as pd

from reasoniqa.features import FEATURES
from reasoniqa.tables.ceiling import CEILING, ceiling_table


def _dataset(root, name, n, rng, train_share):
    """A manifest whose score falls with blur and noise (measured features given), and its features."""
    values = pd.DataFrame({f: rng.uniform(0, 1, n) for f in FEATURES})
    score = 1 - 0.5 * values["blur"] - 0.4 * values["noise"]
    split = np.where(np.arange(n) < train_share * n, "train", "test")
    names = [f"{name}_{i}.png" for i in range(n)]
    (root / name).mkdir(parents=True)
    pd.DataFrame({"name": names, "path": names, "mos": score, "mos_std": 0.0, "score": score, "split": split,
                  "content": names, "distortions": "", "is_reference": 0}).to_csv(root / name / "manifest.csv",
                                                                                  index=False)
    (root / name / "dataset.json").write_text(json.dumps({"name": name}))
    values.insert(0, "split", split)
    values.insert(0, "name", names)
    values.to_csv(root / f"{name}.csv", index=False)
    return score[split == "test"].to_numpy(), names, split


def test_levels_that_decide_quality_give_a_high_ceiling_and_the_gap_of_each_rater(tmp_path):
    rng = np.random.default_rng(0)
    thresholds = {f: [0.25, 0.5, 0.75][: {"exposure": 2, "contrast": 1, "colour": 2}.get(f, 3)] for f in FEATURES}
    (tmp_path / "calibration.json").write_text(json.dumps({"thresholds": thresholds}))
    target, names, split = _dataset(tmp_path, "a", 400, rng, 0.5)
    test_names = [n for n, s in zip(names, split) if s == "test"]
    # a rater fed the measured descriptions that is nearly right, and its own predictions: noise
    rated, own = tmp_path / "ceiling/two_stage/seed0", tmp_path / "predictions/two_stage/seed0"
    for folder, pred in [(rated, target + rng.normal(0, 0.02, len(target))), (own, rng.uniform(0, 1, len(target)))]:
        folder.mkdir(parents=True)
        pd.DataFrame({"name": test_names, "score": target, "pred_score": pred}).to_csv(folder / "a.csv", index=False)
    out = tmp_path / "ceiling.csv"
    ceiling_table([str(tmp_path / "a.csv")], {"a": str(tmp_path / "a.csv")}, {"a": str(tmp_path / "a")},
                  str(tmp_path / "calibration.json"), [str(rated / "a.csv")], [str(own / "a.csv")], str(out))
    table = pd.read_csv(out).set_index(["rater", "dataset"])
    # four levels of blur and noise explain most of a score linear in them; raw values all of it
    assert table.loc[(CEILING, "a"), "srcc"] > 0.85
    assert table.loc[("linear / measured values", "a"), "srcc"] > 0.99
    assert table.loc[("two_stage / measured descriptions", "a"), "srcc"] > 0.9
    assert abs(table.loc[("two_stage / own descriptions", "a"), "srcc"]) < 0.2
    assert table.loc[("two_stage / own descriptions", "a"), "srcc_below_ceiling"] > 0.6
    assert table.loc[(CEILING, "mean"), "srcc"] == table.loc[(CEILING, "a"), "srcc"]
