"""The ceiling table (reasoniqa.tables.ceiling) on fabricated data whose quality follows from the features."""

import json

import numpy as np
import pandas as pd
import pytest

from reasoniqa import UserError
from reasoniqa.features import FEATURES
from reasoniqa.tables.ceiling import APPLIED, CEILING, ceiling_table


def _dataset(root, name, n, rng, train_share, references=0):
    """A manifest whose score falls with blur and noise, its measured features (references included, as
    the features step measures them) and the test split's scores."""
    values = pd.DataFrame({f: rng.uniform(0, 1, n + references) for f in FEATURES})
    score = 1 - 0.5 * values["blur"] - 0.4 * values["noise"]
    split = np.where(np.arange(n + references) < train_share * n, "train", "test")
    is_ref = np.arange(n + references) >= n
    score[is_ref] = 0.0  # references carry a score the ceiling must not read
    names = [f"{name}_{i}.png" for i in range(n + references)]
    (root / name).mkdir(parents=True)
    pd.DataFrame({"name": names, "path": names, "mos": score, "mos_std": 0.0, "score": score, "split": split,
                  "content": names, "distortions": "", "is_reference": is_ref.astype(int)}).to_csv(
        root / name / "manifest.csv", index=False)
    (root / name / "dataset.json").write_text(json.dumps({"name": name}))
    values.insert(0, "split", split)
    values.insert(0, "name", names)
    values.to_csv(root / f"{name}.csv", index=False)
    test = (split == "test") & ~is_ref
    return score[test].to_numpy(), [n_ for n_, t in zip(names, test) if t]


def _rater_files(root, name, target, names, rng):
    """Predictions of a rater fed measured descriptions (nearly right) and its own (noise)."""
    files = []
    for folder, pred in [(root / "ceiling/two_stage/seed0", target + rng.normal(0, 0.02, len(target))),
                         (root / "predictions/two_stage/seed0", rng.uniform(0, 1, len(target)))]:
        folder.mkdir(parents=True, exist_ok=True)
        pd.DataFrame({"name": names, "score": target, "pred_score": pred}).to_csv(folder / f"{name}.csv", index=False)
        files.append(str(folder / f"{name}.csv"))
    return files


@pytest.fixture
def fabricated(tmp_path):
    rng = np.random.default_rng(0)
    thresholds = {f: [0.25, 0.5, 0.75][: {"exposure": 2, "contrast": 1, "colour": 2}.get(f, 3)] for f in FEATURES}
    (tmp_path / "calibration.json").write_text(json.dumps({"thresholds": thresholds}))
    _dataset(tmp_path, "train_set", 400, rng, 1.0)
    target, names = _dataset(tmp_path, "test_set", 200, rng, 0.0, references=30)
    rated, own = _rater_files(tmp_path, "test_set", target, names, rng)
    args = (["train_set.csv"], {"test_set": "test_set.csv"}, {"train_set": "train_set", "test_set": "test_set"})
    return tmp_path, args, rated, own


def test_levels_that_decide_quality_give_a_high_ceiling_and_the_gap_of_each_rater(fabricated):
    root, (train, test, data), rated, own = fabricated
    ceiling_table([str(root / f) for f in train], {k: str(root / v) for k, v in test.items()},
                  {k: str(root / v) for k, v in data.items()}, str(root / "calibration.json"), [rated], [own],
                  str(root / "ceiling.csv"))
    table = pd.read_csv(root / "ceiling.csv").set_index(["rater", "dataset"])
    assert table.loc[(CEILING, "test_set"), "n"] == 200  # references left out
    assert not any(rater in APPLIED for rater, _ in table.index)  # no recipe known: no perfect measurement
    # fitted on the training dataset only: four levels of blur and noise explain most of a score linear
    # in them; raw values all of it
    assert table.loc[(CEILING, "test_set"), "srcc"] > 0.85
    assert table.loc[("linear / measured values", "test_set"), "srcc"] > 0.99
    assert table.loc[("two_stage / measured descriptions", "test_set"), "srcc"] > 0.9
    assert abs(table.loc[("two_stage / own descriptions", "test_set"), "srcc"]) < 0.2
    assert table.loc[("two_stage / own descriptions", "test_set"), "srcc_below_ceiling"] > 0.6


def test_images_without_measured_features_are_named(fabricated):
    root, (train, test, data), rated, own = fabricated
    feats = pd.read_csv(root / "test_set.csv")
    feats.iloc[5:].to_csv(root / "test_set.csv", index=False)  # a stale features file
    with pytest.raises(UserError, match="5 images of test_set's test split have no measured features"):
        ceiling_table([str(root / f) for f in train], {k: str(root / v) for k, v in test.items()},
                      {k: str(root / v) for k, v in data.items()}, str(root / "calibration.json"), [rated], [own],
                      str(root / "ceiling.csv"))


def test_a_perfect_measurement_of_the_stand_ins_recipe_shows_what_the_estimators_lose(tmp_path):
    """Stand-ins whose quality follows the applied blur and noise, measured by features that see none of
    it: the measured-level ceiling is near zero, the applied strengths and levels rows are high."""
    rng = np.random.default_rng(1)
    (tmp_path / "calibration.json").write_text(json.dumps(
        {"thresholds": {f: [0.25, 0.5, 0.75][: {"exposure": 2, "contrast": 1, "colour": 2}.get(f, 3)] for f in FEATURES}}))
    files = {}
    for name, n, split in [("train_set", 400, "train"), ("test_set", 200, "test"), ("real_set", 100, "test")]:
        blur, noise = rng.uniform(0, 1, n) ** 2, rng.uniform(0, 1, n) ** 2
        score = 1 - 0.5 * blur - 0.4 * noise + rng.normal(0, 0.01, n)
        names = [f"{name}_{i}.png" for i in range(n)]
        (tmp_path / name).mkdir()
        pd.DataFrame({"name": names, "path": names, "mos": score, "mos_std": 0.0, "score": score, "split": split,
                      "content": names, "distortions": [f"blur:{b:.4f};noise:{v:.4f}" for b, v in zip(blur, noise)],
                      "is_reference": 0}).to_csv(tmp_path / name / "manifest.csv", index=False)
        kind = "real" if name == "real_set" else "synthetic"  # a real dataset: no recipe, no applied rows
        (tmp_path / name / "dataset.json").write_text(json.dumps({"name": name, "kind": kind}))
        values = pd.DataFrame({f: rng.uniform(0, 1, n) for f in FEATURES})  # blind to the distortions
        values.insert(0, "split", split)
        values.insert(0, "name", names)
        values.to_csv(tmp_path / f"{name}.csv", index=False)
        files[name] = str(tmp_path / f"{name}.csv")
    ceiling_table([files["train_set"]], {"test_set": files["test_set"], "real_set": files["real_set"]},
                  {n: str(tmp_path / n) for n in files}, str(tmp_path / "calibration.json"), [], [],
                  str(tmp_path / "ceiling.csv"))
    table = pd.read_csv(tmp_path / "ceiling.csv").set_index(["rater", "dataset"])["srcc"]
    assert abs(table[(CEILING, "test_set")]) < 0.3
    assert table[(APPLIED[0], "test_set")] > 0.98  # strength and its square: the score itself
    assert table[(APPLIED[1], "test_set")] > 0.8  # four levels per feature
    assert (CEILING, "real_set") in table.index and not any((r, "real_set") in table.index for r in APPLIED)
