"""The intervention test: single-feature edits of a description, scored in the method's own context."""

import numpy as np
import pandas as pd
import pytest

from reasoniqa.descriptions import parse
from reasoniqa.intervention import edits, intervene
from reasoniqa.tables.intervention import intervention_table

TEXT = ("Edges are sharp, grain is severe, and no blocking is seen. "
        "Exposure is well balanced, contrast is good, and colours look natural.")


def test_each_edit_changes_one_feature_only():
    got = {(e["feature"], e["to"]): e for e in edits(TEXT)}
    assert set(got) == {("blur", "severe"), ("noise", "none"), ("compression", "severe"), ("contrast", "low")}
    before = parse(TEXT)
    for (feature, level), e in got.items():
        after = parse(e["description"])
        assert after[feature] == level and e["direction"] == (-1 if level in ("severe", "low") else 1)
        assert {f: v for f, v in after.items() if f != feature} == {f: v for f, v in before.items() if f != feature}
    assert got[("blur", "severe")]["description"].startswith("The image is heavily blurred, grain is severe")
    assert edits("A picture.") == []  # names no feature: nothing to edit


def test_scores_before_and_after_line_up_with_their_edits(monkeypatch, test_cfg):
    """A rater whose score is 5 minus the number of severe features named: every edit to 'severe' must
    lower the score by one, every edit away from it raise it by one."""
    import reasoniqa.scoring

    def fake_probabilities(model, processor, prompts, image_paths, words, batch_size, progress=True):
        assert image_paths is None  # two_stage reads the description alone
        severe = [list(parse(p).values()).count("severe") for p in prompts]
        return np.eye(len(words))[[4 - min(s, 4) for s in severe]]

    monkeypatch.setattr(reasoniqa.scoring, "level_probabilities", fake_probabilities)
    other = "Edges are sharp, no grain is visible, and no blocking is seen. Exposure is well balanced, contrast is good, and colours look natural."
    from reasoniqa.model.families.llava import CHAT_TEMPLATE
    from reasoniqa.model.tokenizer import TemplateOnly

    rows = intervene(test_cfg, "two_stage", None, TemplateOnly(CHAT_TEMPLATE), ["a.png", "b.png"], [TEXT, other],
                     progress=False)
    assert [r["image"] for r in rows] == [0] * 4 + [1] * 4
    by = {(r["image"], r["feature"], r["to"]): r for r in rows}
    assert by[(0, "blur", "severe")]["score_before"] == 4 and by[(0, "blur", "severe")]["shift"] == -1
    assert by[(0, "noise", "none")]["shift"] == 1 and by[(1, "noise", "severe")]["score_before"] == 5
    assert by[(0, "contrast", "low")]["shift"] == 0 and not by[(0, "contrast", "low")]["right"]
    assert all(r["right"] for r in rows if r["feature"] != "contrast")


def test_intervention_table_hand_computed(tmp_path, test_cfg):
    path = tmp_path / "two_stage/seed0/a.csv"
    path.parent.mkdir(parents=True)
    rows = [{"name": f"i{i}", "feature": "blur", "from": "none", "to": "severe", "direction": -1,
             "score_before": 4.0, "score_after": 3.0 if i % 4 else 4.5, "shift": -1.0 if i % 4 else 0.5,
             "right": bool(i % 4)} for i in range(40)]
    pd.DataFrame(rows).to_csv(path, index=False)
    table = intervention_table([str(path)], test_cfg).set_index("dataset")
    assert table.loc["a", "right"] == 0.75 and table.loc["a", "right_worse"] == 0.75
    assert np.isnan(table.loc["a", "right_better"])  # no edit wrote a degradation out
    assert table.loc["a", "mean_shift"] == pytest.approx((30 * 1.0 - 10 * 0.5) / 40)  # one edit per image here
    assert table.loc["a", "right_lo"] < 0.75 < table.loc["a", "right_hi"]
    assert table.loc["average", "right"] == 0.75


def test_each_image_counts_once_whatever_its_number_of_edits(tmp_path, test_cfg):
    path = tmp_path / "two_stage/seed0/a.csv"
    path.parent.mkdir(parents=True)
    rows = [{"name": "many", "feature": "blur", "from": "none", "to": "severe", "direction": -1, "score_before": 4.0,
             "score_after": 3.0, "shift": -1.0, "right": True}] * 6
    rows += [{"name": f"one{i}", "feature": "noise", "from": "none", "to": "severe", "direction": -1,
              "score_before": 4.0, "score_after": 4.0, "shift": 0.0, "right": False} for i in range(3)]
    pd.DataFrame(rows).to_csv(path, index=False)
    table = intervention_table([str(path)], test_cfg).set_index("dataset")
    assert table.loc["a", "right"] == pytest.approx(1 / 4)  # images: 1, 0, 0, 0
    assert table.loc["a", "right_worse"] == pytest.approx(6 / 9)  # edits
    assert table.loc["a", "right_lo"] <= 0.25 <= table.loc["a", "right_hi"]


def test_a_description_naming_a_level_twice_is_edited_everywhere():
    text = "Edges are sharp, edges are sharp, and grain is severe."
    blur = [e for e in edits(text) if e["feature"] == "blur"]
    assert [e["to"] for e in blur] == ["severe"]
    assert "sharp" not in blur[0]["description"].lower() and parse(blur[0]["description"])["blur"] == "severe"


def test_seeds_that_edited_different_images_are_combined(tmp_path, test_cfg):
    for seed, names in ((0, ["x", "y"]), (1, ["y", "z"])):
        path = tmp_path / f"two_stage/seed{seed}/a.csv"
        path.parent.mkdir(parents=True)
        pd.DataFrame([{"name": n, "feature": "blur", "from": "none", "to": "severe", "direction": -1,
                       "score_before": 4.0, "score_after": 3.0, "shift": -1.0, "right": True} for n in names]
                     ).to_csv(path, index=False)
    files = [str(tmp_path / f"two_stage/seed{s}/a.csv") for s in (0, 1)]
    table = intervention_table(files, test_cfg).set_index("dataset")
    assert table.loc["a", "seeds"] == 2 and table.loc["a", "images"] == 3 and table.loc["a", "right"] == 1.0
