"""Table statistics: correlations, the logistic fit, bootstrap intervals, instability, grounding."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from reasoniqa.tables.common import load_predictions
from reasoniqa.tables.correlations import table1, write_correlations
from reasoniqa.grounding import contradiction, cv_r2, grounding_stats
from reasoniqa.features import FEATURES
from reasoniqa.instability import answer_stats
from reasoniqa.tables.instability import instability_table
from reasoniqa.metrics import Resamples, correlations, logistic4, per_seed_correlation, percentile_interval
from reasoniqa.sampling import parse_level

WORDS = ["bad", "poor", "fair", "good", "excellent"]


def test_dmos_with_ties_matches_scipy_on_negated_labels():
    rng = np.random.default_rng(1)
    dmos = rng.integers(0, 6, 80).astype(float) * 10  # lower is better, many ties
    pred = -dmos + rng.normal(0, 15, 80)
    pred[:12] = 0.0  # tied predictions
    got = correlations(pred, dmos, lower_is_better=True)
    assert got["srcc"] == pytest.approx(stats.spearmanr(pred, -dmos).statistic)
    assert got["krcc"] == pytest.approx(stats.kendalltau(pred, -dmos).statistic)
    assert got["plcc"] == pytest.approx(stats.pearsonr(pred, -dmos).statistic)
    assert got["srcc"] > 0.5


def test_logistic_fit_recovers_a_monotonic_nonlinear_relation():
    x = np.linspace(-3, 3, 200)
    y = logistic4(x, 90.0, 10.0, 0.5, 0.4)
    got = correlations(x, y)
    assert got["plcc_fit"] == pytest.approx(1.0, abs=1e-4)
    assert got["plcc"] < 0.95  # the raw PLCC is penalised by the nonlinearity


def test_resampled_srcc_on_identity_indices_is_the_seed_mean_of_scipy():
    rng = np.random.default_rng(2)
    target = rng.integers(0, 4, 40).astype(float)
    preds = np.round(target + rng.normal(0, 1, (3, 40)))  # ties on both sides
    got = per_seed_correlation(preds, target, np.arange(40), "srcc").mean()
    assert got == pytest.approx(np.mean([stats.spearmanr(p, target).statistic for p in preds]))


def _write_preds(root, method, seed, dataset, names, score, pred):
    path = root / method / f"seed{seed}" / f"{dataset}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"name": names, "mos": score, "score": score, "pred_score": pred, "pred_level": "fair",
                  "description": ""}).to_csv(path, index=False)
    return str(path)


def test_table1_intervals_paired_differences_and_average_row(tmp_path, test_cfg):
    rng = np.random.default_rng(3)
    names, files = [f"i{i}" for i in range(60)], []
    for d in ("a", "b"):
        score = rng.uniform(0, 1, 60)
        good = score + rng.normal(0, 0.1, 60)
        files += [_write_preds(tmp_path, "one_stage", 0, d, names, score, good),
                  _write_preds(tmp_path, "two_stage", 0, d, names, score, good),  # identical to the reference
                  _write_preds(tmp_path, "zero_shot", 0, d, names, score, rng.uniform(0, 1, 60))]
    table = table1(load_predictions(files), test_cfg)[0].set_index(["method", "dataset"])
    ref = table.loc[("one_stage", "a")]
    assert ref["srcc_lo"] < ref["srcc"] < ref["srcc_hi"]
    assert table.loc[("two_stage", "a"), "d_srcc"] == 0
    assert table.loc[("two_stage", "a"), ["d_srcc_lo", "d_srcc_hi"]].tolist() == [0, 0]
    assert table.loc[("zero_shot", "average"), "d_srcc_hi"] < 0  # clearly worse than the reference
    assert table.loc[("one_stage", "average"), "srcc"] == pytest.approx(table.loc["one_stage"].loc[["a", "b"], "srcc"].mean())
    write_correlations(test_cfg, files, str(tmp_path / "t1.csv"), str(tmp_path / "m.json"))
    assert (tmp_path / "t1.tex").read_text().startswith("\\begin{tabular}")
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics["zero_shot"]["average"]["d_srcc"] < 0 and metrics["one_stage"]["a"]["d_srcc"] is None


def test_seeds_are_aligned_by_image_name(tmp_path):
    names = ["x", "y", "z", "w"]
    f0 = _write_preds(tmp_path, "one_stage", 0, "a", names, [0.1, 0.2, 0.3, 0.4], [1, 2, 3, 4])
    f1 = _write_preds(tmp_path, "one_stage", 1, "a", names[::-1], [0.4, 0.3, 0.2, 0.1], [4, 3, 2, 1])
    frame = load_predictions([f0, f1])[("one_stage", "a")]
    assert frame["pred_0"].tolist() == frame["pred_1"].tolist() == [1, 2, 3, 4]


def test_answer_stats_hand_computed_over_valid_answers():
    samples = [["good"] * 3, ["good", "fair", "good"], ["none", "good", "good"], ["none", "none", "bad"], ["none"] * 3]
    got = answer_stats(samples, WORDS, [1, 2, 3, 4, 5])
    np.testing.assert_array_equal(got["unstable"], [0, 1, 0, np.nan, np.nan])  # a repeated non-answer is not stable
    np.testing.assert_allclose(got["disagreement"], [0, 2 / 3, 0, np.nan, np.nan])
    np.testing.assert_allclose(got["valid_share"], [1, 1, 2 / 3, 1 / 3, 0])
    assert got["entropy"][1] == pytest.approx(-(2 / 3) * np.log2(2 / 3) - (1 / 3) * np.log2(1 / 3))
    assert got["entropy"][2] == 0 and got["spread"][2] == 0  # the answer naming no level is left out


def test_disagreement_does_not_grow_with_k_while_the_rate_does():
    rng = np.random.default_rng(5)
    for k, rate in ((3, 0.75), (20, 1.0)):  # two equally likely levels: P(all K agree) = 2 * 0.5^K
        samples = [list(rng.choice(["good", "fair"], k)) for _ in range(4000)]
        got = answer_stats(samples, WORDS, [1, 2, 3, 4, 5])
        assert got["disagreement"].mean() == pytest.approx(0.5, abs=0.01)
        assert got["unstable"].mean() == pytest.approx(rate, abs=0.02)


def test_two_level_bootstrap_carries_the_seed_variance():
    values = np.repeat([[0.0], [0.5], [1.0]], 50, axis=1)  # seeds disagree, images within a seed do not
    assert percentile_interval(Resamples(1, 50, 500, 0).mean(values[:1]), 0.95) == (0.0, 0.0)
    lo, hi = percentile_interval(Resamples(3, 50, 500, 0).mean(values), 0.95)
    assert lo < 0.3 and hi > 0.7


def _write_samples(root, method, seed, dataset, rows):
    path = root / method / f"seed{seed}" / "t1" / f"{dataset}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps({"name": f"i{i}", "levels": levels, "descriptions": []}) + "\n"
                            for i, levels in enumerate(rows)))
    return str(path)


def test_instability_table_from_sample_files(tmp_path, test_cfg):
    rows = [["good", "good"] if i % 4 else ["good", "bad"] for i in range(40)]
    files = [_write_samples(tmp_path, "two_stage", 0, "a", rows),
             _write_samples(tmp_path, "two_stage", 1, "a", [["none", "none"]] * 20 + rows[20:])]
    table = instability_table(files, test_cfg).set_index("dataset")
    row = table.loc["a"]
    assert row["temperature"] == 1.0 and row["seeds"] == 2
    assert row["instability"] == pytest.approx((0.25 + 0.25) / 2)  # seed 1: only its 20 valid images count
    assert row["valid_share"] == pytest.approx((1 + 0.5) / 2)
    assert row["rated"] == pytest.approx(0.75)
    assert row["instability_lo"] < 0.25 < row["instability_hi"]
    assert row["valid_share_lo"] < 0.75 < row["valid_share_hi"]
    average = table.loc["average"]  # one dataset: the average is that dataset
    assert (average["instability_lo"], average["instability_hi"]) == (row["instability_lo"], row["instability_hi"])


def test_parse_level_reads_only_the_answer():
    prefix = "The quality of the image is"
    assert parse_level("Colours look good. The quality of the image is poor.", WORDS, prefix) == "poor"
    assert parse_level("Contrast is good, edges are sharp", WORDS, prefix) == "none"  # cut before the rating
    assert parse_level(" excellent.", WORDS) == "excellent"
    assert parse_level(" the image is good", WORDS) == "none"  # not an answer at the rating position
    assert parse_level("goodness knows", WORDS) == "none"


def test_failed_logistic_fits_are_counted_and_bounds_never_averaged(tmp_path, test_cfg, monkeypatch):
    import reasoniqa.metrics

    rng = np.random.default_rng(6)
    names, files = [f"i{i}" for i in range(30)], []
    for d in ("a", "b"):
        score = rng.uniform(0, 1, 30)
        files += [_write_preds(tmp_path, m, 0, d, names, score, score + rng.normal(0, 0.2, 30))
                  for m in ("one_stage", "two_stage")]
    monkeypatch.setattr(reasoniqa.metrics, "plcc_fitted", lambda p, t: float("nan") if t[0] > -1 else 0.0)
    table, per_seed = table1(load_predictions(files), test_cfg)
    table = table.set_index(["method", "dataset"])
    assert table.loc[("two_stage", "a"), "plcc_fit_failed"] == 1
    assert table.loc[("two_stage", "average"), "plcc_fit_failed"] == 2
    assert np.isnan(table.loc[("two_stage", "average"), "plcc_fit"])
    avg = table.loc[("two_stage", "average")]
    assert avg["srcc_lo"] < avg["srcc"] < avg["srcc_hi"]  # from the averaged distributions
    assert list(per_seed.columns[:4]) == ["method", "dataset", "seed", "n"]
    two = per_seed.set_index(["method", "dataset"]).loc[("two_stage", "a")]
    assert two["d_srcc"] == pytest.approx(table.loc[("two_stage", "a"), "d_srcc"])


def test_contradictions_by_definition():
    severe = {"blur": "severe", "noise": "none", "compression": "none", "exposure": "normal",
              "contrast": "normal", "colour": "natural"}
    clean = {**severe, "blur": "none"}
    assert contradiction(severe, "excellent", WORDS) == "severe_good"
    assert contradiction(severe, "bad", WORDS) is None
    assert contradiction(clean, "poor", WORDS, FEATURES) == "clean_bad"
    assert contradiction({**clean, "colour": "muted"}, "poor", WORDS, FEATURES) is None
    assert contradiction({**clean, "contrast": None}, "bad", WORDS, FEATURES) is None  # not described: no claim
    # colour left out of the descriptions (labels.features, the default): a description clean in the rest
    # still claims a clean image, whatever the parser finds for colour
    assert contradiction({**clean, "colour": None}, "poor", WORDS) == "clean_bad"
    assert contradiction({**clean, "colour": None}, "poor", WORDS, FEATURES) is None


def test_grounding_r2_separates_grounded_from_unrelated_scores():
    rng = np.random.default_rng(4)
    blur = rng.choice(["none", "slight", "moderate", "severe"], 120)
    texts = [{"none": "Edges are sharp", "slight": "There is a slight blur", "moderate": "The image is noticeably blurred",
              "severe": "The image is heavily blurred"}[b] + ", no grain is visible." for b in blur]
    grounded = np.array([{"none": 4.5, "slight": 3.5, "moderate": 2.5, "severe": 1.5}[b] for b in blur])
    got = grounding_stats(texts, ["fair"] * 120, grounded + rng.normal(0, 0.05, 120), WORDS, 5, 0)
    assert got["r2_cv"] > 0.95
    assert cv_r2(np.eye(4)[rng.integers(0, 4, 120)], rng.normal(size=120), 5, 0) < 0.1


def test_per_dataset_arguments_must_pair_up(root, capsys, monkeypatch):
    from reasoniqa.cli import main

    monkeypatch.chdir(root)
    rc = main(["sample-split", "--method", "one_stage", "--base", "nowhere", "--data", "a", "b", "--out", "o.jsonl"])
    assert rc == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == ("reasoniqa sample-split: error: give one --out per temperature and dataset, temperature-major "
                       "(got 1 --out for 1 temperatures x 2 --data)")
    rc = main(["analyze-split", "--method", "one_stage", "--base", "nowhere", "--data", "a", "b",
               "--predictions", "p.csv", "--out", "o.json"])
    assert rc == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "reasoniqa analyze-split: error: give one of each per dataset, in the same order "
        "(got 2 --data, 1 --predictions, 1 --out)")


def test_description_accuracy_against_measured_levels_and_the_majority_row(tmp_path):
    from reasoniqa.descriptions import describe
    from reasoniqa.tables.description_accuracy import description_accuracy
    from reasoniqa.features import FEATURES, LEVELS

    # One threshold per boundary at 0.5, 1.5, ...: a feature's value is its level index.
    thresholds = {f: [i + 0.5 for i in range(len(LEVELS[f]) - 1)] for f in FEATURES}
    (tmp_path / "calibration.json").write_text(json.dumps({"thresholds": thresholds}))
    names = [f"im{i}.png" for i in range(4)]
    noise_truth = [0, 0, 0, 3]  # none, none, none, severe: the majority level is right for 3 of 4
    values = pd.DataFrame({"name": names, **{f: 0 for f in FEATURES}, "noise": noise_truth})
    values.to_csv(tmp_path / "synth_a.csv", index=False)
    said = ["none", "severe", "severe", "severe"]  # right on images 0 and 3
    rng = np.random.default_rng(0)
    texts = [describe({**{f: LEVELS[f][0] for f in FEATURES}, "noise": lv}, rng) for lv in said]
    pred = tmp_path / "predictions/two_stage/seed0/synth_a.csv"
    pred.parent.mkdir(parents=True)
    pd.DataFrame({"name": names, "description": texts, "score": 3.0}).to_csv(pred, index=False)
    description_accuracy([str(pred)], [str(tmp_path / "synth_a.csv")], str(tmp_path / "calibration.json"),
                         str(tmp_path / "acc.csv"))
    table = pd.read_csv(tmp_path / "acc.csv").set_index("method")
    assert table.loc["two_stage", "noise"] == pytest.approx(0.5)
    assert table.loc["two_stage", "blur"] == pytest.approx(1.0) and table.loc["two_stage", "complete"] == 1.0
    assert table.loc["majority_level", "noise"] == pytest.approx(0.75)
    assert table.loc["majority_level", "n"] == 4


def test_balanced_agreement_holds_a_constant_answer_at_one_over_the_levels_present():
    from reasoniqa.features import FEATURES
    from reasoniqa.tables.description_accuracy import balanced_agreement, feature_agreement

    base = {f: "normal" for f in FEATURES}
    truth = [{**base, "noise": lv} for lv in ["none"] * 9 + ["severe"]]
    constant = [{**base, "noise": "none"}] * 10
    assert feature_agreement(constant, truth)["noise"] == pytest.approx(0.9)  # the prior looks good ...
    assert balanced_agreement(constant, truth)["noise"] == pytest.approx(0.5)  # ... but ranks nothing
    assert balanced_agreement(truth, truth)["noise"] == 1.0
    one_wrong = truth[:8] + [{**base, "noise": "severe"}, truth[9]]  # a clean image called severe
    assert balanced_agreement(one_wrong, truth)["noise"] == pytest.approx((8 / 9 + 1) / 2)


def test_the_examples_figure_draws_generated_text_as_text(tmp_path, test_cfg):
    """A generated description is arbitrary text: "$$$$$$$$$$$$$$" (an even number of "$", which matplotlib
    reads as mathtext) once broke the figure."""
    from reasoniqa.data.ladders import synthesize_ladders
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.figures.examples import plot_examples

    spec = {"kind": "ladder", "seed": 1, "image_size": 32, "contents": 1, "distortions": ["blur"],
            "strengths": [0.0, 1.0], "mos_scale": [0, 100]}
    synthesize_ladders("lad", spec, tmp_path / "lad", progress=False)
    names = list(load_manifest(tmp_path / "lad")[0]["name"])
    pred = tmp_path / "pred" / "two_stage" / "seed0" / "lad.csv"
    pred.parent.mkdir(parents=True)
    pd.DataFrame({"name": names, "description": ["$$$$$$$$$$$$$$", "Edges are sharp."], "pred_level": ["$", "good"],
                  "pred_score": [3.0, 4.0]}).to_csv(pred, index=False)
    samples = tmp_path / "samples" / "two_stage" / "seed0" / "t1" / "lad.jsonl"
    samples.parent.mkdir(parents=True)
    samples.write_text("\n".join(json.dumps({"name": n, "levels": ["good", "$x"]}) for n in names) + "\n")
    plot_examples(test_cfg, [str(pred)], [str(samples)], str(tmp_path / "lad"), str(tmp_path / "fig.png"))
    assert (tmp_path / "fig.png").stat().st_size > 0


def test_the_lens_panel_draws_decoded_tokens_as_text(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from reasoniqa.figures.dynamics import _example_panel

    fig, ax = plt.subplots()
    _example_panel(ax, {"top_tokens": [["$$", "good"], ["$x$$", "$"]], "top_probs": [[0.6, 0.4], [0.5, 0.5]]}, "t")
    fig.savefig(tmp_path / "lens.png")  # drawing parses the text
    assert [t.get_text().split("\n")[0] for t in ax.texts][:3] == ["$$", "good", "$x$$"]
