import numpy as np
import pytest
from scipy import stats

from reasoniqa.levels import expected_score, score_to_level
from reasoniqa.metrics import correlations


def test_equal_width_bins_edges():
    scores = [0.0, 0.1999, 0.2, 0.3999, 0.4, 0.6, 0.8, 0.99, 1.0]
    assert score_to_level(scores, 5).tolist() == [0, 0, 1, 1, 2, 3, 4, 4, 4]


def test_bins_are_configurable():
    assert score_to_level([0.0, 0.34, 0.67, 1.0], 3).tolist() == [0, 1, 2, 2]


@pytest.mark.parametrize("bad", [[-0.1], [1.01], [float("nan")]])
def test_bins_reject_out_of_range(bad):
    with pytest.raises(ValueError):
        score_to_level(bad)


def test_expected_score_weights():
    probs = np.array([[1, 0, 0, 0, 0], [0, 0, 0, 0, 1], [0.2] * 5])
    assert expected_score(probs, [1, 2, 3, 4, 5]).tolist() == pytest.approx([1, 5, 3])


def test_correlations_match_scipy_with_ties():
    rng = np.random.default_rng(0)
    target = rng.integers(0, 5, 60).astype(float)  # many ties
    pred = target + rng.normal(0, 1.0, 60)
    pred[:10] = 2.0  # ties in predictions too
    got = correlations(pred, target)
    assert got["srcc"] == pytest.approx(stats.spearmanr(pred, target).statistic)
    assert got["plcc"] == pytest.approx(stats.pearsonr(pred, target).statistic)
    assert got["krcc"] == pytest.approx(stats.kendalltau(pred, target).statistic)


def test_lower_is_better_labels_are_flipped_before_correlating():
    from reasoniqa.data.manifest import normalized_score

    dmos = np.array([10.0, 40.0, 70.0, 90.0])  # lower is better
    quality = np.array([4.5, 3.0, 2.0, 1.2])  # a good predictor of quality
    score = normalized_score(dmos, 0, 100, lower_is_better=True)
    assert correlations(quality, score)["srcc"] == pytest.approx(1.0)
    assert correlations(quality, dmos)["srcc"] == pytest.approx(-1.0)


def test_constant_prediction_has_no_correlation():
    out = correlations([3.0] * 10, np.arange(10.0))
    assert all(np.isnan(v) for v in out.values())
