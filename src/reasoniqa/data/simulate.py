"""Real-size simulations of KonIQ-10k, SPAQ, LIVE and CSIQ: the real counts, resolutions, file formats
and label files (as `reasoniqa.data.real` parses them), with images made from the shipped photographs
(crops, rescales, distortions) and MOS from the stand-ins' psychometric model.

Real data cannot be fetched here; its *size* can be simulated, so every step of the paper configuration
is exercised at the scale it will meet (issue #21). The files go where the paper configuration expects
hand-placed data (`resources/raw/<name>/`); `reasoniqa simulate-real` writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reasoniqa import UserError


@dataclass(frozen=True)
class RealShape:
    count: int                 # images in the label file (LIVE: references included)
    size: tuple[int, int]      # width, height
    distortions: list[str]     # stand-in distortions drawn per image (reasoniqa.data.distortions)


SHAPES = {
    # KonIQ's official split is 7,046 / 1,000 / 2,010; its label file lists 10,073 images, the
    # remaining 17 are given to the test set here.
    "koniq": RealShape(10_073, (1024, 768), ["blur", "noise", "jpeg", "dark", "bright", "contrast", "desaturate"]),
    "spaq": RealShape(11_125, (4000, 3000), ["dark", "bright", "noise", "blur", "desaturate"]),
    "live": RealShape(982, (768, 512), []),      # one distortion per folder (real.LIVE_FOLDERS)
    "csiq": RealShape(866, (512, 512), []),      # one distortion per type and level
}
KONIQ_SETS = {"training": 7_046, "validation": 1_000}  # the rest: test
LIVE_DISTORTION = {"jp2k": "jp2k", "jpeg": "jpeg", "wn": "noise", "gblur": "blur", "fastfading": "fastfading"}
CSIQ_TYPES = [("noise", "noise"), ("jpeg", "jpeg"), ("jpeg 2000", "jp2k"), ("fnoise", "pinknoise"),
              ("blur", "blur"), ("contrast", "contrast")]  # CSIQ's dst_type -> stand-in distortion
CSIQ_REFERENCES = 30


def _content(photo_index: int, size: tuple[int, int], seed: int) -> np.ndarray:
    """A crop of a shipped photograph with the target aspect ratio, rescaled to `size`, in [0, 1]."""
    from PIL import Image

    from reasoniqa.data.photos import PHOTOS, load_photo

    names = sorted(PHOTOS)
    photo = load_photo(names[photo_index % len(names)])
    rng = np.random.default_rng(seed)
    h, w = photo.shape[:2]
    aspect = size[0] / size[1]
    cw = int(min(w, h * aspect) * rng.uniform(0.6, 1.0))
    ch = int(cw / aspect)
    y, x = rng.integers(0, h - ch + 1), rng.integers(0, w - cw + 1)
    crop = Image.fromarray(photo[y : y + ch, x : x + cw]).resize(size, Image.BICUBIC)
    return np.asarray(crop) / 255.0


def _render(job: tuple) -> float:
    """Write one image; return its true quality in [0, 1]. A process-pool job (module-level)."""
    from PIL import Image

    from reasoniqa.data import distortions as D
    from reasoniqa.data import psychometric

    path, photo_index, size, applied, seed = job
    img = D.apply(_content(photo_index, size, seed), applied, np.random.default_rng(seed + 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = {".jpg": "JPEG", ".bmp": "BMP", ".png": "PNG"}[path.suffix]
    Image.fromarray(D.to_uint8(img)).save(path, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return psychometric.true_quality(applied, 0.92)


def _render_all(jobs: list[tuple], workers: int, desc: str) -> np.ndarray:
    from concurrent.futures import ProcessPoolExecutor

    from tqdm import tqdm

    if workers <= 1:
        return np.array([_render(j) for j in tqdm(jobs, desc=desc)])
    with ProcessPoolExecutor(workers) as pool:
        return np.array(list(tqdm(pool.map(_render, jobs, chunksize=8), total=len(jobs), desc=desc)))


def _ratings(quality: np.ndarray, rng, raters: int = 20) -> np.ndarray:
    """[images, raters] judgements in [0, 1] (reasoniqa.data.psychometric's rater model)."""
    from reasoniqa.data import psychometric

    bias = rng.normal(0, psychometric.RATER_BIAS_SD, raters)
    return psychometric.rate(quality[:, None], bias, rng)


def _draw(names: list[str], rng, most: int = 2) -> dict[str, float]:
    """1 to `most` of `names` with strengths, as the stand-ins draw them."""
    from reasoniqa.data.synth import pick_distortions

    return pick_distortions({"distortions": names, "distortions_per_image": [1, most]}, rng)


def simulate_koniq(raw: Path, count: int, workers: int, seed: int, size=None) -> int:
    import pandas as pd

    shape = SHAPES["koniq"]
    rng = np.random.default_rng(seed)
    names = [f"{10_000_000 + i * 7919}.jpg" for i in range(count)]
    applied = [_draw(shape.distortions, rng, 3) for _ in names]
    jobs = [(raw / "1024x768" / n, i, size or shape.size, a, seed * 1_000_003 + i) for i, (n, a) in enumerate(zip(names, applied))]
    ratings = _ratings(_render_all(jobs, workers, "simulate koniq"), rng)
    counts = np.stack([np.histogram(r, bins=5, range=(0, 1))[0] for r in ratings])  # 5-point ACR votes
    mos = (counts * np.arange(1, 6)).sum(1) / counts.sum(1)
    sd = np.sqrt((counts * (np.arange(1, 6) - mos[:, None]) ** 2).sum(1) / counts.sum(1))
    scale = count / SHAPES["koniq"].count  # a fraction keeps the split's proportions
    n_train, n_val = (int(round(v * scale)) for v in KONIQ_SETS.values())
    sets = ["training"] * n_train + ["validation"] * n_val + ["test"] * (count - n_train - n_val)
    frame = pd.DataFrame({"image_name": names, **{f"c{k + 1}": counts[:, k] for k in range(5)},
                          "c_total": counts.sum(1), "MOS": mos.round(4), "SD": sd.round(4),
                          "MOS_zscore": ((mos - mos.mean()) / mos.std() * 20 + 50).round(4),
                          "set": rng.permutation(sets)})
    frame.to_csv(raw / "koniq10k_distributions_sets.csv", index=False)
    return count


def simulate_spaq(raw: Path, count: int, workers: int, seed: int, size=None) -> int:
    """SPAQ's label sheet also carries five attribute scores (0-100); here they follow the applied
    distortions, so the feature validation on real data can be tested on these files."""
    import pandas as pd

    shape = SHAPES["spaq"]
    rng = np.random.default_rng(seed)
    names = [f"{i + 1:05d}.jpg" for i in range(count)]
    applied = [_draw(shape.distortions, rng) for _ in names]
    jobs = [(raw / "TestImage" / n, i, size or shape.size, a, seed * 1_000_003 + i) for i, (n, a) in enumerate(zip(names, applied))]
    mos = _ratings(_render_all(jobs, workers, "simulate spaq"), rng).mean(1) * 100
    noise = rng.normal(0, 5, (count, 5))
    attr = np.array([[50 + 40 * (a.get("bright", 0) - a.get("dark", 0)), 70 - 50 * a.get("desaturate", 0),
                      65 - 30 * (a.get("dark", 0) + a.get("bright", 0)), 15 + 70 * a.get("noise", 0),
                      80 - 70 * a.get("blur", 0)] for a in applied]) + noise
    (raw / "Annotations").mkdir(parents=True, exist_ok=True)
    attributes = ["Brightness", "Colorfulness", "Contrast", "Noisiness", "Sharpness"]
    pd.DataFrame({"Image name": names, "MOS": mos.round(2),
                  **{k: np.clip(attr[:, j], 0, 100).round(2) for j, k in enumerate(attributes)}}).to_excel(
        raw / "Annotations" / "MOS and Image attribute scores.xlsx", index=False)
    return count


def simulate_live(raw: Path, count: int, workers: int, seed: int, size=None) -> int:
    """LIVE Release 2: 29 references; each folder holds distorted images and reference copies
    (orgs = 1), labels in dmos.mat and refnames_all.mat."""
    from scipy.io import savemat

    from reasoniqa.data.real import LIVE_FOLDERS

    rng = np.random.default_rng(seed)
    jobs, orgs, refs = [], [], []
    for folder, n in LIVE_FOLDERS:  # the parser reads LIVE's fixed folder counts: always all 982
        for i in range(1, n + 1):
            ref = int(rng.integers(29))
            is_ref = rng.random() < 0.21  # 203 of LIVE's 982 entries are reference copies
            applied = {} if is_ref else {LIVE_DISTORTION[folder]: round(float(rng.uniform(0.05, 1.0)), 4)}
            jobs.append((raw / folder / f"img{i}.bmp", ref, size or SHAPES["live"].size, applied, seed * 7919 + ref))
            orgs.append(int(is_ref))
            refs.append(f"ref{ref + 1}.bmp")
    quality = _render_all(jobs, workers, "simulate live")
    dmos = 100 * (1 - _ratings(quality, rng).mean(1))
    savemat(raw / "dmos.mat", {"dmos": dmos[None, :], "orgs": np.array(orgs)[None, :]})
    savemat(raw / "refnames_all.mat", {"refnames_all": np.array(refs, dtype=object)[None, :]})
    return len(jobs)


def simulate_csiq(raw: Path, count: int, workers: int, seed: int, size=None) -> int:
    """CSIQ: 30 references x 6 types x up to 5 levels (866 in the release), dst_imgs/<type>/..."""
    import pandas as pd

    from reasoniqa.data.real import CSIQ_FOLDERS

    rng = np.random.default_rng(seed)
    cells = [(img, t, lev) for img in range(CSIQ_REFERENCES) for t, _ in CSIQ_TYPES for lev in range(1, 6)]
    keep = sorted(rng.choice(len(cells), size=min(count, len(cells)), replace=False))
    rows, jobs = [], []
    for k in keep:
        img, dst_type, lev = cells[k]
        folder = CSIQ_FOLDERS[dst_type]
        name = f"ref{img + 1:02d}"
        applied = {dict(CSIQ_TYPES)[dst_type]: lev / 5}
        jobs.append((raw / "dst_imgs" / folder / f"{name}.{folder.upper()}.{lev}.png", img,
                     size or SHAPES["csiq"].size, applied, seed * 7919 + img))
        rows.append({"image": name, "dst_idx": [t for t, _ in CSIQ_TYPES].index(dst_type) + 1,
                     "dst_type": dst_type, "dst_lev": lev})
    ratings = _ratings(_render_all(jobs, workers, "simulate csiq"), rng)
    frame = pd.DataFrame(rows).assign(dmos_std=ratings.std(1).round(4), dmos=(1 - ratings.mean(1)).round(4))
    with pd.ExcelWriter(raw / "csiq.DMOS.xlsx") as writer:
        frame.to_excel(writer, sheet_name="all_by_image", index=False)
    return len(jobs)


MARKER = "SIMULATED.txt"  # prepare copies it into dataset.json ("simulated": true) and warns


def check_target(raw: Path) -> None:
    """Refuse a folder that holds anything (real data is never overwritten)."""
    if raw.exists() and (not raw.is_dir() or any(raw.iterdir())):
        raise UserError(f"{raw} already exists and is not empty: simulate into a new folder")


SIMULATORS = {"koniq": simulate_koniq, "spaq": simulate_spaq, "live": simulate_live, "csiq": simulate_csiq}


def simulate(kind: str, raw: str | Path, fraction: float = 1.0, workers: int = 1, seed: int = 0,
             size: tuple[int, int] | None = None) -> int:
    """Write a simulated `kind` dataset into the raw folder `raw` (which must not exist yet): the real
    count times `fraction` (LIVE: always whole), at the real resolution unless `size` (width, height)
    is given; return the number of images."""
    if kind not in SIMULATORS:
        raise UserError(f"cannot simulate {kind!r}; known: {', '.join(SIMULATORS)}")
    if not 0 < fraction <= 1:
        raise UserError(f"--fraction must be in (0, 1], got {fraction}")
    raw = Path(raw)
    check_target(raw)
    raw.mkdir(parents=True, exist_ok=True)
    (raw / MARKER).write_text("Made by `reasoniqa simulate-real` (reasoniqa.data.simulate): not the real dataset.\n")
    # LIVE's labels are positional over fixed folder counts: it is always simulated whole (982 images)
    count = SHAPES[kind].count if kind == "live" else max(1, int(round(SHAPES[kind].count * fraction)))
    return SIMULATORS[kind](raw, count, workers, seed, size)
