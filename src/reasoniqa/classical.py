"""Classical no-reference IQA baselines, rows of Table 1 beside the VLM methods: what a user would pick
instead of a VLM.

- PIQE (`pypiqe`, parameter-free): fixed 16x16 blocks, so a 64-px stand-in image has 16 blocks.
- BRISQUE: the `brisque` package's 36 natural-scene-statistics features (full and half scale), its
  epsilon-SVR (libsvm, the package's defaults C=1, gamma=0.1, epsilon=0.1) retrained here on the
  training split's scores, as the paper's learned baselines are trained on KonIQ.
- NIQE (fit here): the multivariate Gaussian of the same kind of features over the sharpest patches of
  pristine photographs (crops of the shipped training photographs, never the test ones); an image's
  score is the distance of its own patches' Gaussian to it. Patches of `classical.niqe_patch` pixels
  (the original 96 suits ~500-px images; 16 at 64 px gives 49 overlapping patches per image), half that
  at the half scale, overlapping by half a patch.

Every score is oriented higher = better (PIQE and NIQE distances are negated).
"""

from __future__ import annotations

import logging

import numpy as np
from scipy import ndimage, special

log = logging.getLogger(__name__)

METHODS = ("piqe", "brisque", "niqe")
_ALPHAS = np.arange(0.2, 10.0, 0.001)  # shape-parameter grid of the moment-matching fits (as in NIQE)


def gray(image) -> np.ndarray:
    """Luminance in [0, 255] (float) of a PIL image or RGB array."""
    from skimage.color import rgb2gray

    rgb = np.asarray(image)
    return rgb2gray(rgb[..., :3]) * 255.0 if rgb.ndim == 3 else rgb.astype(float)


def half_scale(image: np.ndarray) -> np.ndarray:
    """The image at half size (bicubic), the second scale of BRISQUE and NIQE."""
    import cv2

    return cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_CUBIC)


def piqe_score(image) -> float:
    from pypiqe import piqe

    return -float(piqe(np.round(gray(image)).astype(np.uint8))[0])


def brisque_features(image, name: str = "image") -> np.ndarray:
    """The 36 BRISQUE features (the package's estimator; it returns an object array of 0-d and 1-element
    arrays, which numpy >= 2.4 no longer converts implicitly: hence the explicit float conversion)."""
    import warnings

    from brisque import BRISQUE

    # The feature methods are stateless; BRISQUE() itself would load the package's default model, whose
    # normalization ships as a pickle: an instance without __init__ never opens it.
    extractor = object.__new__(BRISQUE)
    g = gray(image) / 255.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # undefined statistics are caught below
        feats = [extractor.calculate_brisque_features(x, kernel_size=7, sigma=7 / 6) for x in (g, half_scale(g))]
    values = np.array([float(np.asarray(f, dtype=float).squeeze()) for f in np.concatenate(feats)])
    if not np.isfinite(values).all():
        from reasoniqa import UserError

        raise UserError(f"BRISQUE: features undefined for {name} (a flat image has no local statistics)")
    return values


# --- NIQE -------------------------------------------------------------------------------------------
# Written here rather than taken from `brisque`: its per-sample fit (scipy root-finding from 0.2) costs
# ~0.5 ms and can fail to converge; NIQE fits ten distributions per patch, so the fit below is the
# original grid search, vectorized over all patches of an image at once.

def _mscn(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean-subtracted contrast-normalized coefficients and the local deviation (7x7 Gaussian, 7/6)."""
    window = {"sigma": 7 / 6, "truncate": 3 / (7 / 6), "mode": "nearest"}  # radius 3: a 7x7 window
    mu = ndimage.gaussian_filter(image, **window)
    sigma = np.sqrt(np.abs(ndimage.gaussian_filter(image * image, **window) - mu * mu))
    return (image - mu) / (sigma + 1.0), sigma


def _patches(x: np.ndarray, size: int) -> np.ndarray:
    """[rows, cols, size*size] overlapping patches (stride size/2)."""
    from numpy.lib.stride_tricks import sliding_window_view

    step = max(size // 2, 1)
    grid = sliding_window_view(x, (size, size))[::step, ::step]
    return grid.reshape(grid.shape[0], grid.shape[1], size * size)


def _aggd_fit(x: np.ndarray) -> np.ndarray:
    """[P, 4] asymmetric generalized Gaussian (alpha, mean, left var, right var) per row, by moment
    matching on the alpha grid."""
    left = np.sqrt(np.sum(np.where(x < 0, x * x, 0), 1) / np.maximum((x < 0).sum(1), 1))
    right = np.sqrt(np.sum(np.where(x > 0, x * x, 0), 1) / np.maximum((x > 0).sum(1), 1))
    gamma = left / np.maximum(right, 1e-12)
    r_hat = np.mean(np.abs(x), 1) ** 2 / np.maximum(np.mean(x * x, 1), 1e-12)
    r_norm = r_hat * (gamma ** 3 + 1) * (gamma + 1) / (gamma ** 2 + 1) ** 2
    ratio = special.gamma(2 / _ALPHAS) ** 2 / (special.gamma(1 / _ALPHAS) * special.gamma(3 / _ALPHAS))
    alpha = _ALPHAS[np.argmin((ratio[None, :] - r_norm[:, None]) ** 2, axis=1)]
    mean = (right - left) * special.gamma(2 / alpha) / special.gamma(1 / alpha) * np.sqrt(
        special.gamma(1 / alpha) / special.gamma(3 / alpha))
    return np.stack([alpha, mean, left ** 2, right ** 2], 1)


def _scale_features(image: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """[rows, cols, 18] features per patch at one scale (GGD of the MSCN map: alpha and variance; AGGD
    of its four neighbour products) and [rows, cols] patch sharpness (mean local deviation)."""
    mscn, sigma = _mscn(image)
    products = [mscn * np.roll(mscn, shift, axis=(0, 1)) for shift in ((0, 1), (1, 0), (1, 1), (1, -1))]
    grid = _patches(mscn, size)
    rows, cols = grid.shape[:2]

    def fit(patches):
        return _aggd_fit(patches.reshape(rows * cols, -1))

    base = fit(grid)
    feats = [base[:, [0]], ((base[:, 2] + base[:, 3]) / 2)[:, None]]  # symmetric: alpha, variance
    feats += [fit(_patches(p, size)) for p in products]
    return np.concatenate(feats, 1).reshape(rows, cols, -1), _patches(sigma, size).mean(-1)


def niqe_features(image, patch: int) -> tuple[np.ndarray, np.ndarray]:
    """[P, 36] patch features at full and half scale and [P] sharpness. The half-scale patch at grid
    position (r, c) covers the same pixels as the full-scale one (half the size, half the stride); the
    grids are cut to their common rows and columns."""
    g = gray(image)
    full, sharpness = _scale_features(g, patch)
    half, _ = _scale_features(half_scale(g), max(patch // 2, 2))
    rows, cols = min(full.shape[0], half.shape[0]), min(full.shape[1], half.shape[1])
    feats = np.concatenate([full[:rows, :cols], half[:rows, :cols]], -1)
    return feats.reshape(rows * cols, -1), sharpness[:rows, :cols].reshape(-1)


def fit_niqe(images, patch: int, sharpness: float = 0.75) -> dict:
    """The pristine model: mean and covariance of the features of each image's sharp patches (those
    above `sharpness` x the image's sharpest patch, as in NIQE)."""
    kept = []
    for image in images:
        feats, sharp = niqe_features(image, patch)
        kept.append(feats[sharp > sharpness * sharp.max()] if sharp.max() > 0 else feats[:0])
    feats = np.concatenate(kept)
    if len(feats) <= feats.shape[1]:
        from reasoniqa import UserError

        raise UserError(f"NIQE: {len(feats)} sharp patches are too few for a {feats.shape[1]}-feature "
                        "Gaussian; use more pristine crops or a smaller classical.niqe_patch")
    return {"patch": patch, "mean": feats.mean(0).tolist(), "cov": np.cov(feats, rowvar=False).tolist(),
            "patches": len(feats)}


def niqe_score(image, model: dict) -> float:
    """Negated NIQE distance (higher = better) of the image's patch Gaussian to the pristine one."""
    feats, _ = niqe_features(image, model["patch"])
    mu, cov = np.asarray(model["mean"]), np.asarray(model["cov"])
    d = feats.mean(0) - mu
    pooled = (cov + np.cov(feats, rowvar=False)) / 2
    return -float(np.sqrt(max(d @ np.linalg.pinv(pooled) @ d, 0.0)))


# --- fitting and scoring in the workflow ---------------------------------------------------------------

def pristine_crops(cfg: dict, size: int, per_photo: int, seed: int) -> list[np.ndarray]:
    """Undistorted crops of every shipped photograph that no test split uses."""
    from reasoniqa.data.photos import PHOTOS, load_photo
    from reasoniqa.data.synth import random_crop

    rng = np.random.default_rng(seed)
    names = [n for n in PHOTOS if n not in cfg["test_photos"]]
    return [np.round(random_crop(load_photo(n), size, rng) * 255).astype(np.uint8) for n in names for _ in range(per_photo)]


def fit_brisque(features: np.ndarray, scores: np.ndarray) -> tuple[str, dict]:
    """epsilon-SVR (RBF) on features scaled to [-1, 1]: the libsvm model as text and the scaling."""
    import os
    import tempfile

    from libsvm import svmutil

    lo, hi = features.min(0), features.max(0)
    span = np.where(hi > lo, hi - lo, 1.0)
    scaled = -1 + 2 * (features - lo) / span
    model = svmutil.svm_train(svmutil.svm_problem(scores.tolist(), scaled.tolist()),
                              svmutil.svm_parameter("-s 3 -t 2 -c 1 -g 0.1 -p 0.1 -q"))
    fd, path = tempfile.mkstemp(suffix=".txt")
    os.close(fd)
    try:
        svmutil.svm_save_model(path, model)  # libsvm writes models to files only
        text = open(path).read()
    finally:
        os.unlink(path)
    return text, {"min": lo.tolist(), "span": span.tolist()}


def predict_brisque(features: np.ndarray, model_path: str, scaling: dict) -> np.ndarray:
    from libsvm import svmutil

    model = svmutil.svm_load_model(model_path)
    scaled = -1 + 2 * (features - np.asarray(scaling["min"])) / np.asarray(scaling["span"])
    labels, _, _ = svmutil.svm_predict([0.0] * len(scaled), scaled.tolist(), model, "-q")
    return np.asarray(labels)


def fit_models(cfg: dict, train_dirs: list[str], out: str, progress: bool = True) -> dict:
    """BRISQUE's SVR on the training splits' scores and NIQE's pristine model, written to `out`/."""
    from pathlib import Path

    from tqdm import tqdm

    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.images import load_image
    from reasoniqa.io import atomic_dir, write_json

    c = cfg["classical"]
    frames = [load_manifest(d, split="train")[0] for d in train_dirs]
    paths = [p for f in frames for p in f["path"]]
    scores = np.concatenate([f["score"].to_numpy(float) for f in frames])
    feats, kept = [], []
    for i, p in enumerate(tqdm(paths, desc="BRISQUE features", disable=not progress)):
        image = load_image(p)
        if np.ptp(np.asarray(image)) == 0:  # no local statistics to learn from
            log.warning("BRISQUE: %s is a constant image; left out of the SVR's training set", p)
            continue
        feats.append(brisque_features(image, p))
        kept.append(i)
    svr, scaling = fit_brisque(np.stack(feats), scores[kept])
    scaling["worst_score"] = float(scores.min())
    crops = pristine_crops(cfg, c["niqe_crop"], c["niqe_crops_per_photo"], c["seed"])
    niqe = fit_niqe(crops, c["niqe_patch"])
    with atomic_dir(out) as tmp:
        (Path(tmp) / "brisque_svr.txt").write_text(svr)
        write_json(Path(tmp) / "brisque_scaling.json", scaling)
        write_json(Path(tmp) / "niqe.json", niqe)
    return {"brisque_images": len(paths), "niqe_pristine_crops": len(crops), "niqe_patches": niqe["patches"]}


def score_images(method: str, paths: list[str], models: str, progress: bool = True) -> np.ndarray:
    """Scores (higher = better) of image files by one classical method, with the fitted models in `models`/."""
    import json
    from pathlib import Path

    from tqdm import tqdm

    from reasoniqa import UserError
    from reasoniqa.images import load_image

    images = ((p, load_image(p)) for p in tqdm(paths, desc=method, disable=not progress))
    if method == "piqe":
        return np.array([piqe_score(im) for _, im in images])
    if method == "niqe":
        model = json.loads((Path(models) / "niqe.json").read_text())
        return np.array([niqe_score(im, model) for _, im in images])
    if method == "brisque":
        # A constant image (seen: heavily distorted crops of a flat background) has no local statistics,
        # so its BRISQUE features are undefined; it gets the lowest score of the training split, logged.
        scaling = json.loads((Path(models) / "brisque_scaling.json").read_text())
        images = list(images)
        flat_set = {i for i, (_, im) in enumerate(images) if np.ptp(np.asarray(im)) == 0}
        for i in sorted(flat_set):
            log.warning("BRISQUE: %s is a constant image; scored as the worst training score", images[i][0])
        rest = [i for i in range(len(images)) if i not in flat_set]
        scores = np.full(len(images), float(scaling["worst_score"]))
        if rest:
            scores[rest] = predict_brisque(np.stack([brisque_features(images[i][1], images[i][0]) for i in rest]),
                                           str(Path(models) / "brisque_svr.txt"), scaling)
        return scores
    raise UserError(f"unknown classical method {method!r} (known: {', '.join(METHODS)})")


def score_frame(method: str, frame, models: str, progress: bool = True):
    """Predictions of a manifest frame in the layout of the VLM methods' (no description, no level)."""
    import pandas as pd

    scores = score_images(method, list(frame["path"]), models, progress)
    return pd.DataFrame({"name": frame["name"], "mos": frame["mos"], "score": frame["score"],
                         "pred_score": scores, "pred_level": "", "description": ""})
