"""Real-size simulations of the four datasets (reasoniqa.data.simulate) parse through the real registry.

Small counts and images here; `reasoniqa simulate-real` writes the real counts and resolutions."""

import numpy as np
import pandas as pd
import pytest

from reasoniqa import UserError
from reasoniqa.data.manifest import load_manifest
from reasoniqa.data.real import LIVE_FOLDERS, build_manifest
from reasoniqa.data.simulate import SHAPES, simulate
from reasoniqa.images import load_image


@pytest.mark.parametrize("kind, fraction", [("koniq", 0.003), ("spaq", 0.002), ("live", 1.0), ("csiq", 0.05)])
def test_simulated_dataset_parses_through_the_real_registry(tmp_path, kind, fraction):
    n = simulate(kind, tmp_path / "raw", fraction, workers=1, seed=0, size=(40, 30))
    expected = sum(c for _, c in LIVE_FOLDERS) if kind == "live" else round(SHAPES[kind].count * fraction)
    assert n == expected
    kept = build_manifest(kind, {"kind": kind, "seed": 0}, tmp_path / "raw", tmp_path / "data")
    frame, meta = load_manifest(tmp_path / "data")
    assert kept == len(frame) > 0 and set(frame["split"]) >= {"train", "test"}
    # the MOS follows the simulated quality: spread over the scale, in the dataset's direction
    assert frame["score"].std() > 0.05 and frame["score"].between(0, 1).all()
    assert load_image(frame["path"].iloc[0]).size == (40, 30)
    assert meta["simulated"]  # never mistaken for the real dataset
    if kind == "live":  # reference copies are listed (orgs = 1) and excluded, as in LIVE
        assert len(load_manifest(tmp_path / "data", references=True)[0]) == 982 > len(frame)
    if kind == "koniq":  # official split proportions of 7,046 / 1,000 / rest
        counts = frame["split"].value_counts()
        assert counts["train"] == round(7046 * fraction) and counts["val"] == round(1000 * fraction)


def test_simulated_distortions_lower_the_mos(tmp_path):
    """CSIQ levels 1..5 are strengths 0.2..1: DMOS rises with the level (lower is better)."""
    simulate("csiq", tmp_path / "raw", 0.3, size=(24, 24))
    labels = pd.read_excel(tmp_path / "raw" / "csiq.DMOS.xlsx", sheet_name="all_by_image")
    by_level = labels.groupby("dst_lev")["dmos"].mean()
    assert np.all(np.diff(by_level.to_numpy()) > 0)


def test_real_resolution_and_format_by_default(tmp_path):
    simulate("koniq", tmp_path / "raw", 0.0002)
    image = next((tmp_path / "raw" / "1024x768").iterdir())
    assert image.suffix == ".jpg" and load_image(image).size == (1024, 768)


def test_simulate_real_checks_every_target_before_writing(tmp_path, venv_bin):
    import subprocess

    (tmp_path / "csiq").mkdir()
    (tmp_path / "csiq" / "labels.xlsx").write_text("real")
    out = subprocess.run([str(venv_bin / "reasoniqa"), "simulate-real", "--out", str(tmp_path), "--datasets", "live",
                          "csiq"], capture_output=True, text=True)
    assert out.returncode == 2 and "csiq already exists and is not empty" in out.stderr
    assert not (tmp_path / "live").exists()  # nothing written before the refusal


def test_simulation_refuses_a_used_folder_and_bad_fractions(tmp_path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "keep.txt").write_text("mine")
    with pytest.raises(UserError, match="not empty"):
        simulate("csiq", tmp_path / "raw", 0.01)
    assert (tmp_path / "raw" / "keep.txt").read_text() == "mine"
    with pytest.raises(UserError, match="fraction"):
        simulate("csiq", tmp_path / "other", 1.5)


def test_spaq_attribute_scores_check_the_measured_features(tmp_path):
    """The real-data check of the features (SPAQ's attribute scores), on a simulated SPAQ whose attribute
    scores follow the applied distortions: brightness and noisiness track exposure and noise."""
    from reasoniqa.labels import measure_dataset, validate_attributes

    simulate("spaq", tmp_path / "raw", 0.01, size=(128, 96))
    build_manifest("spaq", {"kind": "spaq", "seed": 0}, tmp_path / "raw", tmp_path / "spaq")
    measure_dataset(str(tmp_path / "spaq"), str(tmp_path / "features.csv"))
    validate_attributes(str(tmp_path / "spaq"), str(tmp_path / "features.csv"), str(tmp_path / "table.csv"))
    table = pd.read_csv(tmp_path / "table.csv").set_index("attribute")
    assert len(table) == 5 and (table["images"] == 111).all()
    # images matched by name: a shuffled join would give about 0 (+-0.1 for 111 images)
    assert table.loc["Brightness", "spearman"] > 0.3 and table.loc["Noisiness", "spearman"] > 0.3
    assert table.loc["Sharpness", "spearman"] < -0.3 and table.loc["Sharpness", "agrees"]
    with pytest.raises(UserError, match="SPAQ only"):
        simulate("csiq", tmp_path / "craw", 0.02, size=(24, 24))
        build_manifest("csiq", {"kind": "csiq"}, tmp_path / "craw", tmp_path / "csiq")
        validate_attributes(str(tmp_path / "csiq"), str(tmp_path / "features.csv"), str(tmp_path / "t.csv"))
