import numpy as np
import pandas as pd
import pytest

from reasoniqa.data.manifest import COLUMNS, load_manifest, parse_distortions
from reasoniqa.data.photos import PHOTOS
from reasoniqa.data.synth import photograph_of, synthesize


def test_synthetic_dataset_manifest(tmp_path, test_cfg):
    spec = test_cfg["datasets"]["synth_koniq"]
    n = synthesize("synth_koniq", spec, tmp_path / "a", test_cfg["test_photos"], progress=False)
    frame, meta = load_manifest(tmp_path / "a")
    assert len(frame) == n and list(frame.columns) == COLUMNS
    assert frame["score"].between(0, 1).all()
    assert meta["mos_scale"] == spec["mos_scale"]
    lo, hi = spec["mos_scale"]
    assert frame["mos"].between(lo, hi).all()
    # content-disjoint split: held-out photographs only in test
    test_contents = set(frame.loc[frame.split == "test", "content"])
    train_contents = set(frame.loc[frame.split == "train", "content"])
    assert test_contents and train_contents and not test_contents & train_contents
    assert {photograph_of(c) for c in test_contents} == set(test_cfg["test_photos"])
    # ground truth stored: each row names its distortions and strengths
    for text in frame["distortions"]:
        applied = parse_distortions(text)
        assert 1 <= len(applied) <= 3 and all(0 <= s <= 1 for s in applied.values())


def test_synthesis_is_deterministic(tmp_path, test_cfg):
    spec = test_cfg["datasets"]["synth_koniq"]
    synthesize("s", spec, tmp_path / "a", test_cfg["test_photos"], progress=False)
    synthesize("s", spec, tmp_path / "b", test_cfg["test_photos"], progress=False)
    assert (tmp_path / "a/manifest.csv").read_bytes() == (tmp_path / "b/manifest.csv").read_bytes()
    first = sorted((tmp_path / "a/images").iterdir())[0].name
    assert (tmp_path / "a/images" / first).read_bytes() == (tmp_path / "b/images" / first).read_bytes()


def test_more_distortion_means_lower_mos(tmp_path, test_cfg):
    spec = dict(test_cfg["datasets"]["synth_koniq"], crops_per_photo=3, versions_per_crop=4)
    synthesize("s", spec, tmp_path / "a", test_cfg["test_photos"], progress=False)
    frame = pd.read_csv(tmp_path / "a/manifest.csv")
    total = [sum(parse_distortions(t).values()) for t in frame["distortions"]]
    assert np.corrcoef(total, frame["score"])[0, 1] < -0.3


def test_dmos_orientation(tmp_path, test_cfg):
    spec = dict(test_cfg["datasets"]["synth_koniq"], mos_scale=[0, 100], lower_is_better=True)
    synthesize("s", spec, tmp_path / "a", test_cfg["test_photos"], progress=False)
    frame = pd.read_csv(tmp_path / "a/manifest.csv")
    assert np.allclose(frame["score"], 1 - frame["mos"] / 100, atol=1e-4)


def test_live_stand_in_lists_references_and_excludes_them(tmp_path, test_cfg):
    spec = test_cfg["datasets"]["synth_live"]
    n = synthesize("synth_live", spec, tmp_path / "a", test_cfg["test_photos"], progress=False)
    everything, meta = load_manifest(tmp_path / "a", references=True)
    distorted, _ = load_manifest(tmp_path / "a")
    refs = everything[everything.is_reference == 1]
    assert meta["lower_is_better"] and len(refs) == everything["content"].nunique()
    assert len(distorted) == n - len(refs) and (distorted.is_reference == 0).all()
    assert refs["score"].mean() > distorted["score"].mean()  # pristine copies rated better


@pytest.mark.parametrize("name", ["synth_koniq", "synth_spaq", "synth_live", "synth_csiq"])
def test_each_stand_in_uses_only_its_distortions(tmp_path, test_cfg, name):
    spec = test_cfg["datasets"][name]
    synthesize(name, spec, tmp_path / "a", test_cfg["test_photos"], progress=False)
    frame, meta = load_manifest(tmp_path / "a")
    used = {k for t in frame["distortions"] for k in parse_distortions(t)}
    assert used <= set(spec["distortions"])
    lo, hi = spec["distortions_per_image"]
    assert all(lo <= len(parse_distortions(t)) <= hi for t in frame["distortions"])
    assert meta["lower_is_better"] == spec.get("lower_is_better", False)


def test_test_photographs_can_get_fewer_crops(tmp_path, test_cfg):
    spec = dict(test_cfg["datasets"]["synth_koniq"], crops_per_photo=3, test_crops_per_photo=1, versions_per_crop=1)
    synthesize("s", spec, tmp_path / "a", test_cfg["test_photos"], progress=False)
    per_content = pd.read_csv(tmp_path / "a/manifest.csv").groupby("split")["content"].nunique()
    photos_per_split = {"test": len(test_cfg["test_photos"]), "train": len(PHOTOS) - len(test_cfg["test_photos"])}
    assert per_content["test"] == photos_per_split["test"] * 1
    assert per_content["train"] == photos_per_split["train"] * 3
