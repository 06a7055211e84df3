"""The one manifest format every later step reads, whatever the dataset.

Folder layout: <root>/manifest.csv, <root>/dataset.json, images under <root>/ (paths relative to root).
Columns: name, path, mos (raw, dataset scale and direction), mos_std, score (normalized to [0, 1],
higher is better), split (train/test), content (reference/content id), distortions ("type:strength;..."),
is_reference (1 for pristine references listed in the label file, as LIVE does; excluded by default).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from reasoniqa import UserError

COLUMNS = ["name", "path", "mos", "mos_std", "score", "split", "content", "distortions", "is_reference"]


def normalized_score(mos, lo: float, hi: float, lower_is_better: bool):
    """Map raw MOS/DMOS on [lo, hi] to [0, 1] with higher = better quality."""
    s = (np.asarray(mos, dtype=float) - lo) / (hi - lo)
    return 1.0 - s if lower_is_better else s


def load_manifest(root: str | Path, split: str | None = None, references: bool = False):
    """Read and check a dataset folder's manifest; return (frame with absolute paths, dataset meta)."""
    import pandas as pd

    root = Path(root)
    path = root / "manifest.csv"
    if not path.is_file():
        raise UserError(f"manifest not found: {path}")
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise UserError(f"{path}: missing columns: {', '.join(missing)}")
    bad = frame[frame["score"].isna() | (frame["score"] < 0) | (frame["score"] > 1)]
    if len(bad):
        raise UserError(f"{path}: score missing or outside [0, 1] for {bad['name'].iloc[0]!r} ({len(bad)} rows)")
    dup = frame["name"][frame["name"].duplicated()]
    if len(dup):
        raise UserError(f"{path}: duplicate image name {dup.iloc[0]!r}")
    meta = json.loads((root / "dataset.json").read_text())
    frame["path"] = [str(root / p) for p in frame["path"]]
    if not references:  # LIVE protocol: reference images are not part of the distorted set
        frame = frame[frame["is_reference"] == 0].reset_index(drop=True)
    if split is not None:
        frame = frame[frame["split"] == split].reset_index(drop=True)
        if frame.empty:
            raise UserError(f"{path}: no rows in split {split!r}")
    return frame, meta


def parse_distortions(text: str) -> dict[str, float]:
    if not isinstance(text, str) or not text:
        return {}
    return {k: float(v) for k, v in (part.split(":") for part in text.split(";"))}
