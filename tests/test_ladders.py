"""Held-out distortion ladders: procedural content, every distortion at every rung, and the table."""

import numpy as np
import pandas as pd
import pytest

from reasoniqa import UserError
from reasoniqa.config import validate_config
from reasoniqa.data.ladders import dead_leaves, synthesize_ladders
from reasoniqa.data.manifest import load_manifest, parse_distortions
from reasoniqa.tables.ladders import ladder_table

SPEC = {"kind": "ladder", "seed": 1, "image_size": 32, "contents": 2, "distortions": ["blur", "noise", "dark"],
        "strengths": [0.0, 0.5, 1.0], "mos_scale": [0, 100]}


def test_ladders_give_each_content_every_distortion_at_every_rung(tmp_path):
    n = synthesize_ladders("lad", SPEC, tmp_path / "lad", progress=False)
    frame, meta = load_manifest(tmp_path / "lad")
    assert n == len(frame) == 2 * (1 + 3 * 2) and set(frame["split"]) == {"test"}
    applied = [parse_distortions(d) for d in frame["distortions"]]
    assert sum(not a for a in applied) == 2  # one pristine image per content
    for d in SPEC["distortions"]:  # the simulated MOS falls along each ladder
        mos = [frame["mos"][(frame["content"] == "leaves00").to_numpy() & np.array([a == {d: s} for a in applied])].item()
               for s in (0.5, 1.0)]
        assert mos[1] < mos[0]
    assert meta["distortions"] == SPEC["distortions"]


def test_dead_leaves_are_seeded_and_not_flat():
    a, b = dead_leaves(32, np.random.default_rng(3)), dead_leaves(32, np.random.default_rng(3))
    assert np.array_equal(a, b) and a.std() > 0.05 and a.shape == (32, 32, 3)


def test_table_is_minus_one_for_a_score_that_falls_with_every_rung(tmp_path):
    synthesize_ladders("lad", SPEC, tmp_path / "lad", progress=False)
    frame, _ = load_manifest(tmp_path / "lad")
    strength = [max(parse_distortions(d).values(), default=0.0) for d in frame["distortions"]]
    for method, pred in [("good", 1 - np.array(strength)), ("blind", np.zeros(len(frame)) + np.arange(len(frame)) % 2)]:
        out = tmp_path / "pred" / method / "seed0"
        out.mkdir(parents=True)
        pd.DataFrame({"name": frame["name"], "pred_score": pred}).to_csv(out / "lad.csv", index=False)
    ladder_table([str(p) for p in sorted((tmp_path / "pred").glob("*/seed0/lad.csv"))], [str(tmp_path / "lad")],
                 str(tmp_path / "ladders.csv"))
    table = pd.read_csv(tmp_path / "ladders.csv").set_index(["method", "distortion"])["srcc_score_vs_strength"]
    assert all(table[("good", d)] == pytest.approx(-1.0) for d in [*SPEC["distortions"], "mean"])
    assert abs(table[("blind", "mean")]) < 0.5


def test_a_ladder_is_not_a_test_dataset(test_cfg):
    with pytest.raises(UserError, match="ladders are listed in ladder_datasets only"):
        validate_config({**test_cfg, "test_datasets": [*test_cfg["test_datasets"], "synth_ladders"]})


def test_a_missing_predictions_file_is_one_line(tmp_path, venv_bin):
    import subprocess

    synthesize_ladders("lad", SPEC, tmp_path / "lad", progress=False)
    out = subprocess.run([str(venv_bin / "reasoniqa"), "ladders", "--predictions", str(tmp_path / "m/seed0/lad.csv"),
                          "--data", str(tmp_path / "lad"), "--table", str(tmp_path / "t.csv")],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert out.stderr.strip().endswith(f"no such file or folder: {tmp_path / 'm/seed0/lad.csv'}")
