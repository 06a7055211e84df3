import numpy as np
import pandas as pd

from reasoniqa.data.manifest import COLUMNS, load_manifest, parse_distortions
from reasoniqa.data.synth import synthesize


def test_synthetic_dataset_manifest(tmp_path, test_cfg):
    spec = test_cfg["datasets"]["synth_koniq"]
    n = synthesize("synth_koniq", spec, tmp_path / "a", progress=False)
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
    assert {c.rsplit("_", 1)[0] for c in test_contents} == set(spec["test_photos"])
    # ground truth stored: each row names its distortions and strengths
    for text in frame["distortions"]:
        applied = parse_distortions(text)
        assert 1 <= len(applied) <= 3 and all(0 <= s <= 1 for s in applied.values())


def test_synthesis_is_deterministic(tmp_path, test_cfg):
    spec = test_cfg["datasets"]["synth_koniq"]
    synthesize("s", spec, tmp_path / "a", progress=False)
    synthesize("s", spec, tmp_path / "b", progress=False)
    assert (tmp_path / "a/manifest.csv").read_bytes() == (tmp_path / "b/manifest.csv").read_bytes()
    first = sorted((tmp_path / "a/images").iterdir())[0].name
    assert (tmp_path / "a/images" / first).read_bytes() == (tmp_path / "b/images" / first).read_bytes()


def test_more_distortion_means_lower_mos(tmp_path, test_cfg):
    spec = dict(test_cfg["datasets"]["synth_koniq"], crops_per_photo=3, versions_per_crop=4)
    synthesize("s", spec, tmp_path / "a", progress=False)
    frame = pd.read_csv(tmp_path / "a/manifest.csv")
    total = [sum(parse_distortions(t).values()) for t in frame["distortions"]]
    assert np.corrcoef(total, frame["score"])[0, 1] < -0.3


def test_dmos_orientation(tmp_path, test_cfg):
    spec = dict(test_cfg["datasets"]["synth_koniq"], mos_scale=[0, 100], lower_is_better=True)
    synthesize("s", spec, tmp_path / "a", progress=False)
    frame = pd.read_csv(tmp_path / "a/manifest.csv")
    assert np.allclose(frame["score"], 1 - frame["mos"] / 100, atol=1e-4)
