"""Classical no-reference baselines: oriented higher = better, fitted models that round-trip."""

import numpy as np
import pytest
from scipy import stats

from reasoniqa import UserError
from reasoniqa.classical import (brisque_features, fit_brisque, fit_niqe, niqe_score, piqe_score,
                                 predict_brisque, pristine_crops)
from reasoniqa.data.distortions import apply, to_uint8


@pytest.fixture(scope="module")
def ladder(test_cfg):
    """Held-out crops (a test photograph) at increasing noise and blur."""
    from reasoniqa.data.photos import load_photo
    from reasoniqa.data.synth import random_crop

    rng = np.random.default_rng(0)
    crops = [random_crop(load_photo("coffee"), 64, rng) for _ in range(4)]
    out = {}
    for kind in ("noise", "blur"):
        out[kind] = [[to_uint8(apply(c, {kind: s}, np.random.default_rng(1))) for c in crops] for s in (0.0, 0.4, 0.9)]
    return out


@pytest.fixture(scope="module")
def niqe_model(test_cfg):
    return fit_niqe(pristine_crops(test_cfg, 64, 6, 0), 16)


@pytest.mark.parametrize("kind", ["noise", "blur"])
def test_niqe_falls_as_the_distortion_grows(ladder, niqe_model, kind):
    means = [np.mean([niqe_score(im, niqe_model) for im in level]) for level in ladder[kind]]
    assert means[0] > means[1] > means[2], means


def test_piqe_is_oriented_higher_is_better(ladder):
    means = [np.mean([piqe_score(im) for im in level]) for level in ladder["noise"]]
    assert means[0] > means[2], means


def test_brisque_svr_round_trips_through_its_text_model(tmp_path, ladder):
    images = [im for kind in ladder.values() for level in kind for im in level]
    feats = np.stack([brisque_features(im) for im in images])
    target = np.linspace(0, 1, len(images))[np.argsort(np.argsort(feats[:, 0]))]  # a function of one feature
    text, scaling = fit_brisque(feats, target)
    (tmp_path / "svr.txt").write_text(text)
    pred = predict_brisque(feats, str(tmp_path / "svr.txt"), scaling)
    assert stats.spearmanr(pred, target).statistic > 0.9


def test_a_flat_image_is_named_not_scored():
    with pytest.raises(UserError, match="flat.png"):
        brisque_features(np.full((64, 64, 3), 128, np.uint8), "flat.png")


def test_a_constant_image_gets_the_worst_training_score(tmp_path, ladder):
    import json

    from PIL import Image

    from reasoniqa.classical import score_images

    images = [im for level in ladder["noise"] for im in level]
    feats = np.stack([brisque_features(im) for im in images])
    text, scaling = fit_brisque(feats, np.linspace(0.2, 0.9, len(images)))
    (tmp_path / "brisque_svr.txt").write_text(text)
    (tmp_path / "brisque_scaling.json").write_text(json.dumps({**scaling, "worst_score": 0.2}))
    paths = []
    for i, im in enumerate([images[0], np.full((64, 64, 3), 128, np.uint8)]):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(im).save(paths[-1])
    scores = score_images("brisque", paths, str(tmp_path), progress=False)
    assert scores[1] == 0.2 and scores[0] != 0.2
