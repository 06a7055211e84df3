"""Which estimator tracks each applied distortion best? Candidates per feature, measured on the stand-ins'
test splits (their ground truth: the applied strengths), Spearman of raw value vs signed strength, and
the same for the level after quantizing with training-split quantiles (issue #22).

    .venv/bin/python experiments/feature_estimators.py [--resources DIR]

Writes results/experiments/feature_estimators.json.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from common import ROOT
from reasoniqa.data.distortions import to_uint8


def candidates(rgb: np.ndarray) -> dict[str, float]:
    from skimage.color import rgb2gray
    from skimage.measure import blur_effect
    from skimage.restoration import estimate_sigma

    from reasoniqa import features as F

    img = rgb.astype(float) / 255
    grey = rgb2gray(rgb)
    chroma_noise = F.chroma_noise(rgb)
    out = {
        "blur:blur_effect": float(blur_effect(grey)),
        "noise:sigma_grey": float(estimate_sigma(grey)),
        "compression:blockiness": blockiness(grey),
        "compression:jpeg_quantization": F.jpeg_quantization(rgb),
        "noise:chroma_noise": chroma_noise,  # the workflow's (greyscale guarded: 0, not NaN)
        "blur:band_blur": F.band_blur(grey, chroma_noise),
        "exposure:mean": float(grey.mean()),
        "contrast:std": float(grey.std()),
        "colour:hasler_smoothed": F.colourfulness(rgb),
    }
    for name, fn in EXTRA.items():
        out[name] = float(fn(img, grey))
    return out


def blockiness(grey: np.ndarray, block: int = 8) -> float:
    """Mean absolute step across 8x8 block boundaries over the mean step elsewhere (1 = no blocking).

    JPEG quantizes 8x8 blocks independently, so its artifacts are discontinuities on the block grid;
    a ratio to the off-grid steps makes it insensitive to overall texture.
    """
    dx = np.abs(np.diff(grey, axis=1))
    dy = np.abs(np.diff(grey, axis=0))
    on_x = dx[:, block - 1 :: block].mean() if dx.shape[1] >= block else 0.0
    on_y = dy[block - 1 :: block, :].mean() if dy.shape[0] >= block else 0.0
    off = (dx.mean() + dy.mean()) / 2 + 1e-6
    return float((on_x + on_y) / 2 / off)



def _chroma_sigma(img, grey):
    """R-G and G-B (not the workflow's opponent pair); NaN on a greyscale crop, so NaN pooled."""
    from skimage.restoration import estimate_sigma

    rg = (img[..., 0] - img[..., 1]) / np.sqrt(2)
    gb = (img[..., 1] - img[..., 2]) / np.sqrt(2)
    return (estimate_sigma(rg) + estimate_sigma(gb)) / 2


def _rgb_sigma(img, grey):
    from skimage.restoration import estimate_sigma

    return estimate_sigma(img, channel_axis=-1, average_sigmas=True)


def _immerkaer(img, grey):
    from scipy.signal import convolve2d

    m = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], float)
    h, w = grey.shape
    return np.sqrt(np.pi / 2) / (6 * (w - 2) * (h - 2)) * np.abs(convolve2d(grey, m, mode="valid")).sum()


def _noise_min_patch(img, grey):
    """Noise from the flattest patches: std of the Laplacian residual in the 10% quietest 8x8 blocks."""
    from scipy.ndimage import laplace

    r = laplace(grey)
    h, w = grey.shape
    blocks = r[: h // 8 * 8, : w // 8 * 8].reshape(h // 8, 8, w // 8, 8).std(axis=(1, 3)).ravel()
    return np.quantile(blocks, 0.2)


def _noise_chroma_patch(img, grey):
    from scipy.ndimage import laplace

    vals = []
    for c in [(img[..., 0] - img[..., 1]), (img[..., 1] - img[..., 2])]:
        r = laplace(c)
        h, w = c.shape
        vals.append(np.quantile(r[: h // 8 * 8, : w // 8 * 8].reshape(h // 8, 8, w // 8, 8).std(axis=(1, 3)), 0.3))
    return float(np.mean(vals))


def _band_ratio(img, grey):
    """Fine-scale over coarse-scale gradient energy: blur removes the fine band first."""
    from skimage.filters import gaussian

    g1 = gaussian(grey, 1.0)
    g2 = gaussian(grey, 2.0)
    fine = ((grey - g1) ** 2).mean()
    mid = ((g1 - g2) ** 2).mean() + 1e-9
    return -np.log(fine / mid + 1e-9)


def _band_ratio_denoised(img, grey):
    from skimage.filters import gaussian

    g05 = gaussian(grey, 0.7)
    g1 = gaussian(grey, 1.4)
    g2 = gaussian(grey, 2.8)
    return -np.log(((g05 - g1) ** 2).mean() / (((g1 - g2) ** 2).mean() + 1e-9) + 1e-9)


def _blur_effect_median(img, grey):
    from scipy.ndimage import median_filter
    from skimage.measure import blur_effect

    return blur_effect(median_filter(grey, 3))


def _edge_width(img, grey):
    """Mean 10-90% width of strong edges along the gradient (Marziliano-like), via second moments."""
    from skimage.filters import gaussian, sobel

    sm = gaussian(grey, 0.5)
    g = sobel(sm)
    strong = g > np.quantile(g, 0.9)
    lap = np.abs(np.gradient(np.gradient(sm, axis=0), axis=0)) + np.abs(np.gradient(np.gradient(sm, axis=1), axis=1))
    return float(g[strong].mean() / (lap[strong].mean() + 1e-9))


def _dct_blocks(y, off):
    from scipy.fft import dctn

    h, w = y.shape
    y = y[off : off + (h - off) // 8 * 8, off : off + (w - off) // 8 * 8]
    b = y.reshape(y.shape[0] // 8, 8, y.shape[1] // 8, 8).transpose(0, 2, 1, 3)
    return dctn(b, axes=(2, 3), norm="ortho")


def _dct_zero_ratio(img, grey):
    """Share of near-zero high-frequency DCT coefficients on JPEG's 8x8 grid minus on a grid shifted by
    4 px: JPEG's quantization zeroes coefficients on its own grid only, content and blur do so on both."""
    y = grey * 255 - 128
    mask = np.add.outer(np.arange(8), np.arange(8)) >= 4
    zeros = [np.mean(np.abs(_dct_blocks(y, off)[..., mask]) < 1.0) for off in (0, 4)]
    return zeros[0] - zeros[1]


def _dct_lattice(img, grey):
    """How much the aligned grid's AC coefficients sit on a lattice (integer multiples of a step), vs
    the shifted grid: quantization leaves that lattice."""
    y = grey * 255 - 128
    res = []
    for off in (0, 4):
        c = _dct_blocks(y, off)[..., 1:3, 1:3].reshape(-1, 4)
        res.append(np.mean(np.abs(c) < 2.0))
    return res[0] - res[1]


def _blockiness_shifted(img, grey):
    on = blockiness(grey)
    off = blockiness(grey[4:, 4:])
    return on - off


def _grid_zeros(img, grey) -> float:
    """log(share of non-zero high-frequency 8x8 DCT coefficients on a grid shifted by 4 px / the same on
    the grid from the top-left corner, JPEG's): |c| >= 1 on the 0-255 scale, u + v >= 4. A ratio, not a
    difference: at the strongest compression the flattened image empties the shifted grid too."""
    from scipy.fft import dctn

    y = grey * 255.0 - 128.0
    high = np.add.outer(np.arange(8), np.arange(8)) >= 4
    nonzero = []
    for off in (0, 4):
        h, w = (y.shape[0] - off) // 8 * 8, (y.shape[1] - off) // 8 * 8
        if h == 0 or w == 0:
            return 0.0
        blocks = y[off : off + h, off : off + w].reshape(h // 8, 8, w // 8, 8).transpose(0, 2, 1, 3)
        nonzero.append(float(np.mean(np.abs(dctn(blocks, axes=(2, 3), norm="ortho")[..., high]) >= 1.0)))
    return float(np.log((nonzero[1] + 1e-3) / (nonzero[0] + 1e-3)))


def _local_sharpness(img, grey):
    """The band-ratio blur measure per neighbourhood (Gaussian window sigma 6), its median over the
    image: blur is global, a photograph's smooth regions are not."""
    from skimage.filters import gaussian

    from reasoniqa import features as F

    n = F.chroma_noise(to_uint8(img)) * F._LUMA_PER_CHROMA
    g1, g2 = gaussian(grey, 1.0), gaussian(grey, 2.0)
    fine = gaussian((grey - g1) ** 2, 6) - F._WHITE_FINE * n * n
    mid = gaussian((g1 - g2) ** 2, 6) - F._WHITE_MID * n * n
    return float(np.median(-np.log(np.maximum(fine, 1e-7) / np.maximum(mid, 1e-7))))


def _spectral_ratio(img, grey):
    """Windowed power spectrum: mean power at radial frequency 0.3-0.5 over 0.05-0.15 cycles/px, both
    less the measured noise's flat share."""
    from reasoniqa import features as F

    h, w = grey.shape
    win = np.outer(np.hanning(h), np.hanning(w))
    power = np.abs(np.fft.fft2((grey - grey.mean()) * win)) ** 2 / (win ** 2).sum()
    fy, fx = np.meshgrid(np.fft.fftfreq(h), np.fft.fftfreq(w), indexing="ij")
    r = np.hypot(fy, fx)
    n2 = (F.chroma_noise(to_uint8(img)) * F._LUMA_PER_CHROMA) ** 2
    high, low = power[(r >= 0.3) & (r < 0.5)].mean() - n2, power[(r >= 0.05) & (r < 0.15)].mean() - n2
    return float(-np.log(max(high, 1e-9) / max(low, 1e-9)))


def _logit_mean(img, grey):
    x = np.clip(grey, 1 / 255, 1 - 1 / 255)
    return float(np.mean(np.log(x / (1 - x))))


def _q10_plus_q90(img, grey):
    return float(np.quantile(grey, 0.1) + np.quantile(grey, 0.9))


def _median_lum(img, grey):
    return np.median(grey)


def _log_mean(img, grey):
    return np.exp(np.mean(np.log(grey + 1e-3)))


def _clip_balance(img, grey):
    return np.mean(grey > 0.8) - np.mean(grey < 0.2)


def _mid_quantiles(img, grey):
    return float(np.mean(np.quantile(grey, [0.25, 0.5, 0.75])))


def _range(img, grey):
    return np.quantile(grey, 0.99) - np.quantile(grey, 0.01)


def _local_contrast(img, grey):
    from skimage.filters import gaussian

    m = gaussian(grey, 4)
    return np.sqrt(((grey - m) ** 2).mean()) / (grey.std() + 1e-6)


def _std_over_range(img, grey):
    return grey.std() / (min(grey.mean(), 1 - grey.mean()) + 1e-3)


def _hasler_unsmoothed(img, grey):
    """Hasler-Süsstrunk on the pixels themselves (the workflow's before CHROMA_SIGMA): noise reads as colour."""
    from reasoniqa.features import hasler_suesstrunk

    return hasler_suesstrunk(img * 255)


def _sat_mean(img, grey):
    from skimage.color import rgb2hsv

    return rgb2hsv(img)[..., 1].mean()


def _chroma_rel(img, grey):
    from skimage.color import rgb2lab

    lab = rgb2lab(img)
    return np.hypot(lab[..., 1], lab[..., 2]).mean() / (lab[..., 0].std() + 1)


def _chroma_q90(img, grey):
    from skimage.color import rgb2lab

    lab = rgb2lab(img)
    return np.quantile(np.hypot(lab[..., 1], lab[..., 2]), 0.9)


def _log_gradient_ratio(img, grey):
    """A tone curve's exponent scales the log-domain gradients at one end: y = x^g multiplies those of
    log y by g (a darkening curve), 1 - y = (1 - x)^g those of log(1 - y) (a brightening one); the log
    of their ratio, mean gradient of log(1 - y) over that of log y. It is not blind to the content: a
    dark photograph's log y gradients are large whatever the curve."""
    dark = np.hypot(*np.gradient(np.log(grey + 0.02))).mean()
    bright = np.hypot(*np.gradient(np.log(1 - grey + 0.02))).mean()
    return float(np.log((bright + 1e-6) / (dark + 1e-6)))


def _reinhard_key(img, grey):
    """Exposure relative to the image's own range: Reinhard's key, where the log-average luminance sits
    between the log minimum and maximum (1st and 99th percentiles), 0 at the dark end, 1 at the bright."""
    lum = np.log(grey + 0.01)
    lo, hi = np.quantile(lum, [0.01, 0.99])
    return float((lum.mean() - lo) / (hi - lo + 1e-6))


def _mean_over_range(img, grey):
    """Mean luminance relative to the 1st-99th percentile range: a tone curve keeps black and white
    where they are and moves the mid-tones, a dark photograph's range is its own."""
    lo, hi = np.quantile(grey, [0.01, 0.99])
    return float((grey.mean() - lo) / (hi - lo + 1e-6))


def _detail_weighted(img, grey):
    """Mean luminance where the detail is (weighted by the local standard deviation over 5 px): a dark
    sky around bright stars is exposed for the stars."""
    from scipy.ndimage import uniform_filter

    m = uniform_filter(grey, 5)
    sd = np.sqrt(np.maximum(uniform_filter(grey * grey, 5) - m * m, 0))
    return float((grey * sd).sum() / (sd.sum() + 1e-9))


def _gamma_slopes(img, grey):
    """The same from the pixels: regress log |gradient| on log y and log(1 - y) (y smoothed over 1 px);
    the darkening curve's (g - 1) / g is the slope on log y, the brightening one's on log(1 - y)."""
    from skimage.filters import gaussian

    eps = 1 / 255
    magnitude = np.hypot(*np.gradient(grey)).ravel()
    y = gaussian(grey, 1.0).ravel()
    x = np.column_stack([np.ones(y.size), np.log(y + eps), np.log(1 - y + eps)])
    coef = np.linalg.lstsq(x, np.log(magnitude + eps), rcond=None)[0]
    return float(coef[2] - coef[1])


EXTRA = {
    "noise:chroma_sigma": _chroma_sigma, "noise:rgb_sigma": _rgb_sigma, "noise:immerkaer": _immerkaer,
    "noise:min_patch": _noise_min_patch, "noise:chroma_patch": _noise_chroma_patch,
    "blur:band_ratio": _band_ratio, "blur:band_ratio_dn": _band_ratio_denoised,
    "blur:blur_effect_median": _blur_effect_median, "blur:edge_width": _edge_width,
    "compression:dct_zero_ratio": _dct_zero_ratio, "compression:dct_lattice": _dct_lattice,
    "compression:blockiness_shifted": _blockiness_shifted, "compression:grid_zeros": _grid_zeros,
    "blur:local_sharpness": _local_sharpness, "blur:spectral_ratio": _spectral_ratio,
    "exposure:logit_mean": _logit_mean, "exposure:q10_plus_q90": _q10_plus_q90,
    "exposure:median": _median_lum, "exposure:log_mean": _log_mean, "exposure:clip_balance": _clip_balance,
    "exposure:mid_quantiles": _mid_quantiles, "exposure:log_gradient_ratio": _log_gradient_ratio,
    "exposure:gamma_slopes": _gamma_slopes, "exposure:reinhard_key": _reinhard_key,
    "exposure:mean_over_range": _mean_over_range, "exposure:detail_weighted": _detail_weighted,
    "contrast:range": _range, "contrast:local": _local_contrast, "contrast:std_over_range": _std_over_range,
    "colour:hasler_unsmoothed": _hasler_unsmoothed, "colour:sat_mean": _sat_mean, "colour:chroma_rel": _chroma_rel,
    "colour:chroma_q90": _chroma_q90,
}


def fitted_exposure(train, test, alphas=(1.0, 10.0, 100.0, 1000.0, 10000.0)) -> dict:
    """A ridge regression of the signed exposure strength on every exposure candidate and contrast:std
    (standardized on the rows it is fitted on, with their squares). Its penalty is the one whose
    predictions for photographs held out five at a time (leave-photographs-out, so that it cannot learn
    the photographs) follow the strength best on the training split; that Spearman is reported with the
    test splits' for the model refitted on the whole training split."""
    from scipy import stats

    cols = [c for c in train.columns if c.startswith("exposure:")] + ["contrast:std"]

    def fit(frame, alpha):
        mean, std = frame[cols].mean(), frame[cols].std() + 1e-12

        def design(rows):
            z = ((rows[cols] - mean) / std).fillna(0.0).to_numpy()
            return np.column_stack([np.ones(len(z)), z, z**2])

        x, y = design(frame), frame["truth:exposure"].to_numpy()
        penalty = alpha * np.eye(x.shape[1])
        penalty[0, 0] = 0.0  # the intercept is not shrunk
        w = np.linalg.solve(x.T @ x + penalty, x.T @ y)
        return lambda rows: design(rows) @ w

    photos = np.array(sorted(train["photo"].unique()))
    held_out_srcc = {}
    for alpha in alphas:
        held_out = np.zeros(len(train))
        for k in range(5):
            hold = train["photo"].isin(photos[k::5]).to_numpy()
            held_out[hold] = fit(train[~hold], alpha)(train[hold])
        held_out_srcc[alpha] = float(stats.spearmanr(held_out, train["truth:exposure"]).statistic)
    best = max(held_out_srcc, key=held_out_srcc.get)
    return {"columns": cols, "srcc_train_photographs_held_out": held_out_srcc, "alpha": best,
            "srcc_test": float(stats.spearmanr(fit(train, best)(test), test["truth:exposure"]).statistic)}


def main() -> None:
    import pandas as pd
    from scipy import stats

    from reasoniqa.data.manifest import load_manifest, parse_distortions
    from reasoniqa.data.synth import photograph_of
    from reasoniqa.images import load_image
    from reasoniqa.labels import GROUND_TRUTH, true_strength

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resources", default=str(ROOT / "resources"))
    ap.add_argument("--out", default=str(ROOT / "results/experiments/feature_estimators.json"))
    args = ap.parse_args()
    rows = []
    for ds in ["synth_koniq", "synth_spaq", "synth_live", "synth_csiq"]:
        frame, _ = load_manifest(f"{args.resources}/{ds}")
        for r in frame.itertuples(index=False):
            if r.split == "train" and ds != "synth_koniq":
                continue
            applied = parse_distortions(r.distortions)
            rows.append({"dataset": ds, "split": r.split, "name": r.name, "score": r.score,
                         "photo": photograph_of(r.content), **candidates(np.asarray(load_image(r.path))),
                         **{f"truth:{f}": GROUND_TRUTH[f][1] * true_strength(applied, f) for f in GROUND_TRUTH}})
    data = pd.DataFrame(rows)
    test, train = data[data["split"] == "test"], data[data["split"] == "train"]  # train: synth_koniq's
    result = {}
    for col in [c for c in data.columns if ":" in c and not c.startswith("truth")]:
        feature = col.split(":")[0]
        rho = stats.spearmanr(test[col], test[f"truth:{feature}"]).statistic
        rho_train = stats.spearmanr(train[col], train[f"truth:{feature}"]).statistic  # where choices are made
        per = {ds: float(stats.spearmanr(p[col], p[f"truth:{feature}"]).statistic) for ds, p in test.groupby("dataset")}
        result[col] = {"srcc_train": float(rho_train), "srcc_test": float(rho), **per}
        if feature == "colour":  # the confound a colour measure must not carry: noise read as colour
            result[col]["srcc_train_vs_noise"] = float(stats.spearmanr(train[col], train["truth:noise"]).statistic)
        print(f"{col:32s} train {rho_train:+.3f} test {rho:+.3f}  " + " ".join(f"{d[6:]} {v:+.2f}" for d, v in per.items()))
    # not a candidate of one image: its own key, so loops over the candidates' "exposure:*" keys skip it
    result["fit:exposure_ridge"] = fitted_exposure(train, test)
    print("fit:exposure_ridge", result["fit:exposure_ridge"])
    from pathlib import Path

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    data.to_csv(Path(args.out).with_suffix(".csv"), index=False)


if __name__ == "__main__":
    main()
