"""Synthetic stand-ins of the real datasets, made from photographs shipped inside packages.

Contents are square crops of the photographs; the split is content-disjoint (held-out photographs
form the test split). Each crop gets several distorted versions and a MOS from the psychometric model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from reasoniqa import UserError
from reasoniqa.data import distortions as D
from reasoniqa.data import psychometric
from reasoniqa.data.manifest import COLUMNS, normalized_score
from reasoniqa.data.photos import PHOTOS, load_photo
from reasoniqa.io import atomic_dir, write_json


def content_name(photo: str, crop: int) -> str:
    """A stand-in's `content`: crop `crop` of photograph `photo` ("coffee_03"); photograph_of inverts it."""
    return f"{photo}_{crop:02d}"


def photograph_of(content: str) -> str:
    """The photograph a stand-in's content was cropped from (content_name's inverse)."""
    return content.rsplit("_", 1)[0]


def random_crop(photo: np.ndarray, size: int, rng) -> np.ndarray:
    from PIL import Image

    h, w = photo.shape[:2]
    side = int(min(h, w) * rng.uniform(0.5, 1.0))
    y, x = rng.integers(0, h - side + 1), rng.integers(0, w - side + 1)
    crop = Image.fromarray(photo[y : y + side, x : x + side]).resize((size, size), Image.LANCZOS)
    crop = np.rot90(np.asarray(crop), k=int(rng.integers(0, 4)))  # more content variety per photograph
    return np.ascontiguousarray(crop[:, ::-1] if rng.random() < 0.5 else crop) / 255.0


def pick_distortions(spec: dict, rng) -> dict[str, float]:
    lo, hi = spec.get("distortions_per_image", [1, 1])
    count = min(int(rng.integers(lo, hi + 1)), len(spec["distortions"]))
    names = list(rng.choice(spec["distortions"], size=count, replace=False))
    if "dark" in names and "bright" in names:  # opposite exposure errors do not co-occur
        names.remove("bright")
    # Squared uniform: mild distortions are common, severe ones rare (as in in-the-wild collections).
    return {str(n): round(float(rng.uniform(0.0, 1.0) ** 2), 4) for n in names}


def dataset_scale(ratings, lo: float, hi: float, lower_is_better: bool):
    """Subjective ratings in [0, 1], higher better -> the dataset's MOS scale and direction."""
    return lo + (hi - lo) * ((1 - ratings) if lower_is_better else ratings)


def _row(image_name, raw, lo, hi, lower_is_better, split, content, applied, is_reference):
    mos = float(raw.mean())
    return {
        "name": image_name,
        "path": f"images/{image_name}",
        "mos": round(mos, 4),
        "mos_std": round(float(raw.std(ddof=1)) if len(raw) > 1 else 0.0, 4),
        "score": round(float(np.clip(normalized_score(mos, lo, hi, lower_is_better), 0, 1)), 6),
        "split": split,
        "content": content,
        "distortions": ";".join(f"{k}:{v}" for k, v in applied.items()),
        "is_reference": int(is_reference),
    }


def distorted_versions(pristine, content_quality, content, split, spec, rater_bias, rng):
    """Yield (image name, distorted image, manifest row) for each of `spec`'s versions of one content.

    The one recipe of a stand-in image: distortions drawn, applied, rated by the psychometric panel. The draws
    come from `rng` in a fixed order, so a stand-in is a pure function of its spec's seed.
    """
    lo, hi = spec.get("mos_scale", [0, 1])
    lower_is_better = spec.get("lower_is_better", False)
    for version in range(spec["versions_per_crop"]):
        applied = pick_distortions(spec, rng)
        img = D.apply(pristine, applied, rng)
        ratings = psychometric.rate(psychometric.true_quality(applied, content_quality), rater_bias, rng)
        raw = dataset_scale(ratings, lo, hi, lower_is_better)
        image_name = f"{content}_{version:02d}.png"
        yield image_name, img, _row(image_name, raw, lo, hi, lower_is_better, split, content, applied, False)


def synthesize(name: str, spec: dict, out: str | Path, test_photos: list[str], progress: bool = True) -> int:
    """Write <out>/{images/, manifest.csv, dataset.json}; return the number of images.

    Crops of `test_photos` form the test split, all other photographs the training split.
    """
    import pandas as pd
    from PIL import Image
    from tqdm import tqdm

    unknown = [p for p in test_photos if p not in PHOTOS]
    if unknown:
        raise UserError(f"test_photos: unknown photograph {unknown[0]!r}; known: {', '.join(sorted(PHOTOS))}")
    rng = np.random.default_rng(spec.get("seed", 0))
    lo, hi = spec.get("mos_scale", [0, 1])
    lower_is_better = spec.get("lower_is_better", False)
    rater_bias = rng.normal(0, psychometric.RATER_BIAS_SD, spec.get("raters", 20))
    rows = []
    with atomic_dir(out) as tmp:
        (tmp / "images").mkdir()
        # Test photographs may get fewer crops: more training images without a slower evaluation.
        crops = {p: spec.get("test_crops_per_photo", spec["crops_per_photo"]) if p in test_photos
                 else spec["crops_per_photo"] for p in PHOTOS}
        jobs = [(p, c) for p in sorted(PHOTOS) for c in range(crops[p])]
        for photo_name, crop_idx in tqdm(jobs, desc=f"synthesize {name}", disable=not progress):
            photo = load_photo(photo_name)
            pristine = random_crop(photo, spec["image_size"], rng)
            content_quality = float(rng.uniform(0.85, 1.0))
            content = content_name(photo_name, crop_idx)
            split = "test" if photo_name in test_photos else "train"
            if spec.get("include_references", False):
                raw = dataset_scale(psychometric.rate(content_quality, rater_bias, rng), lo, hi, lower_is_better)
                Image.fromarray(D.to_uint8(pristine)).save(tmp / "images" / f"{content}_ref.png")
                rows.append(_row(f"{content}_ref.png", raw, lo, hi, lower_is_better, split, content, {}, True))
            for image_name, img, row in distorted_versions(pristine, content_quality, content, split, spec,
                                                           rater_bias, rng):
                Image.fromarray(D.to_uint8(img)).save(tmp / "images" / image_name)
                rows.append(row)
        pd.DataFrame(rows, columns=COLUMNS).to_csv(tmp / "manifest.csv", index=False)
        write_json(
            tmp / "dataset.json",
            {"name": name, "kind": "synthetic", "mos_scale": [lo, hi], "lower_is_better": lower_is_better},
        )
    return len(rows)
