"""The four real datasets: registry entries and label parsers producing the common manifest.

Adding a dataset is one REGISTRY entry (files, parser, scale, direction, split protocol), as in pyiqa.
Real data never reaches this build machine: each parser is tested on fabricated files in the real
layout and label format (tests/test_real_datasets.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from reasoniqa import UserError
from reasoniqa.data.manifest import COLUMNS, normalized_score
from reasoniqa.io import write_receipt


@dataclass(frozen=True)
class RealDataset:
    name: str
    files: list[str]          # archive names under the mirror, extracted into the raw folder
    labels: str               # label file, relative to the raw folder
    parse: Callable           # raw folder -> frame(name, path, mos, mos_std, content, distortions, is_reference, split?)
    mos_scale: tuple[float, float]
    lower_is_better: bool
    split: str                # "official" | "random" | "by_content"
    homepage: str = ""        # where the dataset is published (access terms, download forms)
    default_mirror: str = ""  # none: the publishers serve archives behind forms or cloud drives
    notes: str = ""
    checksums: dict = field(default_factory=dict)  # archive -> sha256, where published


def _require(path: Path) -> Path:
    if not path.exists():
        raise UserError(f"expected file missing: {path}")
    return path


def parse_koniq(raw: Path):
    import pandas as pd

    frame = pd.read_csv(_require(raw / "koniq10k_distributions_sets.csv"))
    need = {"image_name", "MOS", "SD", "set"}
    if need - set(frame.columns):
        raise UserError(f"koniq10k_distributions_sets.csv: missing columns {sorted(need - set(frame.columns))}")
    sets = {"training": "train", "validation": "val", "test": "test"}
    bad = sorted(set(frame["set"]) - set(sets))
    if bad:
        raise UserError(f"koniq10k_distributions_sets.csv: unknown set {bad[0]!r}")
    return pd.DataFrame({
        "name": frame["image_name"], "path": "1024x768/" + frame["image_name"], "mos": frame["MOS"],
        "mos_std": frame["SD"], "content": frame["image_name"], "distortions": "", "is_reference": 0,
        "split": frame["set"].map(sets),
    })


def parse_spaq(raw: Path):
    import pandas as pd

    frame = pd.read_excel(_require(raw / "Annotations" / "MOS and Image attribute scores.xlsx"))
    if {"Image name", "MOS"} - set(frame.columns):
        raise UserError("SPAQ label sheet: needs columns 'Image name' and 'MOS'")
    return pd.DataFrame({
        "name": frame["Image name"], "path": "TestImage/" + frame["Image name"], "mos": frame["MOS"],
        "mos_std": np.nan, "content": frame["Image name"], "distortions": "", "is_reference": 0,
    })


LIVE_FOLDERS = [("jp2k", 227), ("jpeg", 233), ("wn", 174), ("gblur", 174), ("fastfading", 174)]


def parse_live(raw: Path):
    """LIVE Release 2: dmos.mat (dmos, orgs) and refnames_all.mat, in the folder order jp2k, jpeg, wn,
    gblur, fastfading (982 entries); orgs == 1 marks the reference copies."""
    import pandas as pd
    from scipy.io import loadmat

    dm = loadmat(_require(raw / "dmos.mat"))
    refs = loadmat(_require(raw / "refnames_all.mat"))["refnames_all"].ravel()
    dmos, orgs = dm["dmos"].ravel().astype(float), dm["orgs"].ravel().astype(int)
    names = [f"{folder}/img{i}.bmp" for folder, n in LIVE_FOLDERS for i in range(1, n + 1)]
    types = [folder for folder, n in LIVE_FOLDERS for _ in range(n)]
    if not len(dmos) == len(orgs) == len(refs) == len(names):
        raise UserError(f"LIVE labels: {len(dmos)} dmos, {len(orgs)} orgs, {len(refs)} refnames, "
                        f"expected {len(names)}")
    ref_names = [str(np.asarray(r).ravel()[0]) for r in refs]
    return pd.DataFrame({
        "name": names, "path": names, "mos": dmos, "mos_std": np.nan, "content": ref_names,
        "distortions": [f"{t}:nan" for t in types], "is_reference": orgs,
    })


CSIQ_FOLDERS = {"noise": "awgn", "jpeg": "jpeg", "jpeg 2000": "jpeg2000", "fnoise": "fnoise",
                "blur": "blur", "contrast": "contrast"}


def parse_csiq(raw: Path):
    """CSIQ: csiq.DMOS.xlsx, sheet 'all_by_image' (image, dst_idx, dst_type, dst_lev, dmos_std, dmos);
    images dst_imgs/<type folder>/<image>.<TYPE>.<lev>.png."""
    import pandas as pd

    frame = pd.read_excel(_require(raw / "csiq.DMOS.xlsx"), sheet_name="all_by_image")
    need = {"image", "dst_type", "dst_lev", "dmos", "dmos_std"}
    if need - set(frame.columns):
        raise UserError(f"csiq.DMOS.xlsx: missing columns {sorted(need - set(frame.columns))}")
    unknown = sorted(set(frame["dst_type"]) - set(CSIQ_FOLDERS))
    if unknown:
        raise UserError(f"csiq.DMOS.xlsx: unknown distortion type {unknown[0]!r}")
    folder = frame["dst_type"].map(CSIQ_FOLDERS)
    file = [f"{img}.{f.upper()}.{int(lev)}.png" for img, f, lev in zip(frame["image"], folder, frame["dst_lev"])]
    return pd.DataFrame({
        "name": file, "path": [f"dst_imgs/{f}/{n}" for f, n in zip(folder, file)], "mos": frame["dmos"],
        "mos_std": frame["dmos_std"], "content": frame["image"].astype(str),
        "distortions": [f"{f}:{int(lev)}" for f, lev in zip(folder, frame["dst_lev"])], "is_reference": 0,
    })


REGISTRY = {
    "koniq": RealDataset("koniq", ["koniq10k_1024x768.zip", "koniq10k_scores_and_distributions.zip"],
                         "koniq10k_distributions_sets.csv", parse_koniq, (1.0, 5.0), False, "official",
                         homepage="http://database.mmsp-kn.de/koniq-10k-database.html",
                         notes="10,073 images; official split train 7,046 / val 1,000 / test 2,010"),
    "spaq": RealDataset("spaq", ["TestImage.zip", "Annotations.zip"],
                        "Annotations/MOS and Image attribute scores.xlsx", parse_spaq, (0.0, 100.0), False,
                        "random", homepage="https://github.com/h4nwei/SPAQ",
                        notes="11,125 smartphone images; seeded 8:2 split; resized copies"),
    "live": RealDataset("live", ["databaserelease2.zip"], "dmos.mat", parse_live, (0.0, 100.0), True,
                        "by_content", homepage="https://live.ece.utexas.edu/research/quality/subjective.htm",
                        notes="779 distorted images of 29 references; DMOS, lower is better"),
    "csiq": RealDataset("csiq", ["CSIQ.zip"], "csiq.DMOS.xlsx", parse_csiq, (0.0, 1.0), True, "by_content",
                        homepage="https://s2.smu.edu/~eclarson/csiq.html",
                        notes="866 distorted images of 30 references; DMOS 0-1, lower is better"),
}


def assign_split(frame, protocol: str, seed: int, test_fraction: float = 0.2):
    """Train/test split: the official one, seeded random 8:2, or 8:2 by content (reference image)."""
    if protocol == "official":
        return frame
    rng = np.random.default_rng(seed)
    key = "content" if protocol == "by_content" else "name"
    units = np.array(sorted(frame[key].unique()))
    test_units = set(rng.choice(units, size=max(1, int(round(test_fraction * len(units)))), replace=False))
    return frame.assign(split=np.where(frame[key].isin(test_units), "test", "train"))


def build_manifest(name: str, spec: dict, raw: str | Path, out: str | Path) -> int:
    """Parse a real dataset's labels from `raw` and write the common manifest folder `out`."""
    import pandas as pd

    from reasoniqa.io import atomic_dir, write_json

    entry = REGISTRY[spec["kind"]]
    raw, out = Path(raw).resolve(), Path(out)
    frame = entry.parse(raw)
    frame = assign_split(frame, entry.split, spec.get("seed", 0))
    mos = frame["mos"].astype(float)
    if mos.isna().any():
        raise UserError(f"{name}: missing or NaN MOS for {frame.loc[mos.isna(), 'name'].iloc[0]!r}")
    lo, hi = entry.mos_scale
    outside = frame[(mos < lo - 0.5 * (hi - lo)) | (mos > hi + 0.5 * (hi - lo))]
    if len(outside):
        raise UserError(f"{name}: MOS {outside['mos'].iloc[0]} of {outside['name'].iloc[0]!r} is far outside {lo}-{hi}")
    dup = frame["name"][frame["name"].duplicated()]
    if len(dup):
        raise UserError(f"{name}: duplicate image name {dup.iloc[0]!r}")
    missing = [p for p in frame["path"] if not (raw / p).is_file()]
    if missing:
        raise UserError(f"{name}: {len(missing)} labelled images missing, first: {raw / missing[0]}")
    with atomic_dir(out) as tmp:
        (tmp / "raw").symlink_to(raw, target_is_directory=True)
        frame, skipped = _check_and_copy(frame, raw, tmp, spec.get("on_bad_image", "error"), spec.get("resize_max"))
        # DMOS of LIVE slightly exceeds its nominal range: clip the normalized score, keep the raw MOS.
        frame["score"] = np.clip(normalized_score(frame["mos"].astype(float), lo, hi, entry.lower_is_better), 0, 1).round(6)
        pd.DataFrame(frame, columns=COLUMNS).to_csv(tmp / "manifest.csv", index=False)
        if skipped:
            pd.DataFrame(skipped, columns=["name", "path", "reason"]).to_csv(tmp / "skipped.csv", index=False)
        from reasoniqa.data.simulate import MARKER

        simulated = (raw / MARKER).is_file()
        if simulated:
            import logging

            logging.getLogger("reasoniqa").warning("%s: %s holds a simulation (reasoniqa simulate-real), not the "
                                                   "real dataset; dataset.json says so", name, raw)
        write_json(tmp / "dataset.json", {"name": name, "kind": spec["kind"], "mos_scale": [lo, hi],
                                         "lower_is_better": entry.lower_is_better, "split": entry.split,
                                         "simulated": simulated})
    return int((frame["is_reference"] == 0).sum())


def _check_and_copy(frame, raw: Path, out: Path, policy: str, longest: int | None):
    """Decode every image once: a bad one stops the step naming it (or, with policy 'skip', is listed);
    with `longest`, the same decoded image gives the copy whose longer side is at most `longest`, under
    out/images (the originals stay in raw/). Paths are rewritten relative to `out`."""
    from PIL import Image
    from tqdm import tqdm

    from reasoniqa.images import load_image

    keep, skipped, paths = [], [], []
    for i, rel in enumerate(tqdm(frame["path"], desc="check images" + (" and resize" if longest else ""))):
        try:
            img = load_image(raw / rel)
        except UserError as exc:
            if policy != "skip":
                raise
            skipped.append({"name": frame["name"].iloc[i], "path": rel, "reason": str(exc)})
            continue
        keep.append(i)
        if not longest:
            paths.append(str(Path("raw") / rel))
            continue
        if max(img.size) > longest:
            img.thumbnail((longest, longest), Image.LANCZOS)
        target = out / "images" / Path(rel).with_suffix(".png")
        target.parent.mkdir(parents=True, exist_ok=True)
        img.save(target)
        paths.append(str(target.relative_to(out)))
    return frame.iloc[keep].reset_index(drop=True).assign(path=paths), skipped


def fetch(name: str, spec: dict, raw: str | Path, downloads: str | Path, receipt: str | Path,
          progress: bool = True) -> None:
    """Download archives into `downloads` and extract them into `raw`, unless the labels are there; then
    write `receipt` (reasoniqa.io.write_receipt), the workflow's output for this step.

    Neither folder is a declared output: a partial download survives a failed job and resumes on the
    next run, and a dataset placed by hand survives a forced rerun (both tools delete a job's outputs
    before running it).
    """
    from reasoniqa.data.download import download, extract

    entry = REGISTRY[spec["kind"]]
    raw, downloads = Path(raw), Path(downloads)
    if (raw / entry.labels).exists():  # placed by hand, or fetched before
        write_receipt(receipt, name, raw)
        return
    mirror = spec.get("mirror") or entry.default_mirror
    checksums = {**entry.checksums, **spec.get("checksums", {})}
    if not mirror:
        raise UserError(f"{name}: no download mirror configured; get {', '.join(entry.files)} from "
                        f"{entry.homepage} and place them in {downloads}/, or extracted into {raw}/ "
                        f"(so that {raw / entry.labels} exists), or set datasets.{name}.mirror")
    for archive in entry.files:
        target = downloads / archive
        try:
            download(f"{mirror.rstrip('/')}/{archive}", target, checksums.get(archive), progress=progress)
        except ConnectionError as exc:
            raise UserError(f"{name}: cannot download ({exc}); place {', '.join(entry.files)} in "
                            f"{downloads}/, or extracted into {raw}/, then rerun") from None
        extract(target, raw)
    if not (raw / entry.labels).exists():
        raise UserError(f"{name}: after extraction {raw / entry.labels} is still missing")
    write_receipt(receipt, name, raw)
