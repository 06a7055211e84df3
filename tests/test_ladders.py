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


def test_pristine_dead_leaves_are_not_read_as_noise():
    """Discs below a pixel are pixels of random colour: the noise estimator (and a viewer) saw colour
    noise in every pristine ladder image. With the smallest disc 3 px across they read as the noise-free
    training photographs do (below their 90th percentile, 0.0072, on the run of 7997859)."""
    from reasoniqa.data.distortions import to_uint8
    from reasoniqa.features import chroma_noise

    def reading(r_min_px):
        return np.mean([chroma_noise(to_uint8(dead_leaves(64, np.random.default_rng([5, 0, c]), r_min_px=r_min_px)))
                        for c in range(4)])

    assert reading(0.64) > 0.012  # the old content: read as noise
    assert reading(3.0) < 0.0072


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


def test_the_ladders_own_ceiling_rows_follow_measured_levels_and_rated_descriptions(tmp_path):
    """The linear row: fitted on a training set whose score falls with blur and noise, scored on ladder
    features that track the blur and noise rungs: -1 on blur and noise; dark, which the features do not
    see, gets one score throughout: 0, and it counts in the mean. The rated row: a rater's scores on
    measured descriptions."""
    import json

    from reasoniqa.features import FEATURES

    synthesize_ladders("lad", SPEC, tmp_path / "lad", progress=False)
    frame, _ = load_manifest(tmp_path / "lad")
    rng = np.random.default_rng(0)
    thresholds = {f: [0.25, 0.5, 0.75][: {"exposure": 2, "contrast": 1, "colour": 2}.get(f, 3)] for f in FEATURES}
    (tmp_path / "calibration.json").write_text(json.dumps({"thresholds": thresholds}))
    train = pd.DataFrame({f: rng.uniform(0, 1, 300) for f in FEATURES})
    score = 1 - 0.5 * train["blur"] - 0.4 * train["noise"]
    names = [f"t{i}.png" for i in range(300)]
    (tmp_path / "tr").mkdir()
    pd.DataFrame({"name": names, "path": names, "mos": score, "mos_std": 0.0, "score": score, "split": "train",
                  "content": names, "distortions": "", "is_reference": 0}).to_csv(tmp_path / "tr/manifest.csv", index=False)
    (tmp_path / "tr/dataset.json").write_text(json.dumps({"name": "tr", "kind": "synthetic"}))
    train.assign(name=names, split="train").to_csv(tmp_path / "tr.csv", index=False)
    applied = [parse_distortions(d) for d in frame["distortions"]]
    measured = pd.DataFrame({f: rng.uniform(0, 0.2, len(frame)) for f in FEATURES})
    measured["blur"] = [a.get("blur", 0.0) * 0.9 for a in applied]  # levels: none / slight / severe
    measured["noise"] = [a.get("noise", 0.0) * 0.9 for a in applied]
    measured.assign(name=frame["name"], split="test").to_csv(tmp_path / "lad.csv", index=False)
    strength = [max(a.values(), default=0.0) for a in applied]
    for folder, pred in [("pred/m/seed0", rng.uniform(0, 1, len(frame))), ("ceiling/m/seed0", 1 - np.array(strength))]:
        (tmp_path / folder).mkdir(parents=True)
        pd.DataFrame({"name": frame["name"], "pred_score": pred}).to_csv(tmp_path / folder / "lad.csv", index=False)
    ladder_table([str(tmp_path / "pred/m/seed0/lad.csv")], [str(tmp_path / "lad"), str(tmp_path / "tr")],
                 str(tmp_path / "ladders.csv"), rated=[str(tmp_path / "ceiling/m/seed0/lad.csv")],
                 linear={"train_features": [str(tmp_path / "tr.csv")], "ladder_features": [str(tmp_path / "lad.csv")],
                         "calibration": str(tmp_path / "calibration.json")})
    table = pd.read_csv(tmp_path / "ladders.csv").set_index(["method", "distortion"])["srcc_score_vs_strength"]
    assert table[("linear / measured levels", "blur")] == pytest.approx(-1.0)
    assert table[("linear / measured levels", "noise")] == pytest.approx(-1.0)
    assert table[("linear / measured levels", "dark")] == 0.0
    assert table[("linear / measured levels", "mean")] == pytest.approx(-2 / 3)
    assert table[("m / measured descriptions", "mean")] == pytest.approx(-1.0)
    assert abs(table[("m", "mean")]) < 0.6  # the method's own (random) row stays apart
    assert {"m", "m / measured descriptions", "linear / measured levels"} == set(table.index.get_level_values(0))


def test_the_linear_row_asks_for_all_its_inputs_in_one_line(tmp_path, venv_bin):
    import subprocess

    synthesize_ladders("lad", SPEC, tmp_path / "lad", progress=False)
    out = subprocess.run([str(venv_bin / "reasoniqa"), "ladders", "--predictions", str(tmp_path / "m/seed0/lad.csv"),
                          "--data", str(tmp_path / "lad"), "--calibration", str(tmp_path / "c.json"),
                          "--table", str(tmp_path / "t.csv")], capture_output=True, text=True)
    assert out.returncode == 2 and "Traceback" not in out.stderr and not (tmp_path / "t.csv").exists()
    assert out.stderr.strip().endswith("the linear ladder row needs --train-features, --ladder-features and "
                                       "--calibration together")
