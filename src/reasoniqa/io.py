"""Atomic file output: a reader never sees a half-written file that looks complete."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path: str | Path):
    """Yield a temporary sibling path; rename it onto `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


# Snakemake dates a directory output by this file inside it (it creates it empty, or only updates its time
# if it exists). DVC stores files by content and, with the hard-linked cache (.dvc/config), gives every
# file of one content one inode, hence one modification time: the time that content was first recorded.
# Empty stamps would all share one time. A stamp naming its folder and a digest of the folder's content
# behaves like any other file: unique per folder and content, its time kept through `dvc commit` and
# `dvc checkout`; a rerun that writes the same content (a forced rerun) goes back to the recorded time,
# as the same-content files downstream of it do, so the tree stays consistent for Snakemake.
SNAKEMAKE_STAMP = ".snakemake_timestamp"


def _files(folder: Path, skip: str | None = None) -> list[Path]:
    """Every file below `folder` (but one named `skip`), in a fixed order: what its digests walk."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != skip)


def stamp_text(folder: str | Path, final: str | Path | None = None) -> str:
    """What the stamp of `folder` says: its path (`final` when written before a rename) and a BLAKE2
    digest of its files' names and bytes."""
    folder = Path(folder)
    digest = hashlib.blake2b()
    for f in _files(folder, skip=SNAKEMAKE_STAMP):
        digest.update(f.relative_to(folder).as_posix().encode() + b"\0")
        with open(f, "rb") as fh:
            digest.update(hashlib.file_digest(fh, "blake2b").digest())
    return f"{Path(final or folder).as_posix()}\ncontent {digest.hexdigest()}\n"


def write_stamp(folder: str | Path, final: str | Path | None = None) -> None:
    """The Snakemake timestamp of a directory output (`stamp_text`), written inside it."""
    (Path(folder) / SNAKEMAKE_STAMP).write_text(stamp_text(folder, final))


def write_receipt(receipt: str | Path, dataset: str, folder: str | Path) -> None:
    """A receipt for a raw dataset folder the workflow reads but never owns: the folder, its file count
    and a digest of its files' names, sizes and modification times (cheap for SPAQ's ~25 GB, and it
    changes when a file is added, removed or edited). The fetch rule's output is this file, not the
    folder: Snakemake and DVC delete a job's outputs before rerunning it, and a hand-placed dataset must
    survive a forced rerun."""
    write_json(receipt, {"dataset": dataset, "raw": Path(folder).as_posix(), **_listing(folder)})


def _listing(folder: str | Path) -> dict:
    folder = Path(folder)
    digest = hashlib.blake2b()
    files = _files(folder)
    for f in files:
        st = f.stat()
        digest.update(f"{f.relative_to(folder).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return {"files": len(files), "listing": digest.hexdigest()}


def check_receipt(receipt: str | Path, folder: str | Path) -> None:
    """The receipt was written for `folder` as it is now: a rule wired to another dataset's receipt, or a
    raw folder changed since `fetch` wrote it, fails here in one line."""
    from reasoniqa import UserError

    written = json.loads(Path(receipt).read_text())
    named = written.get("raw")
    if named is None or Path(named).resolve() != Path(folder).resolve():
        raise UserError(f"{receipt} is the receipt of {named}, not of {folder}")
    if {k: written.get(k) for k in ("files", "listing")} != _listing(folder):
        raise UserError(f"{folder} changed since fetch wrote {receipt}: rerun fetch "
                        f"(`snakemake --forcerun fetch`, or `dvc repro -f` of its fetch stage)")


@contextlib.contextmanager
def atomic_dir(path: str | Path, stamp: bool = True):
    """Yield a temporary sibling folder; it replaces `path` only if the block succeeds. With `stamp` (a
    workflow output), the folder holds its Snakemake timestamp (`write_stamp`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp
        if stamp:
            write_stamp(tmp, final=path)
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def write_text(path: str | Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_json(path: str | Path, obj) -> None:
    write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def write_jsonl(path: str | Path, rows) -> None:
    write_text(path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))


def read_jsonl(path: str | Path) -> list[dict]:
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def write_csv(path: str | Path, frame) -> None:
    """Write a pandas DataFrame as CSV with fixed float formatting (byte-stable reruns)."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.6f")


# The HTML copy is what the Snakemake report shows (it renders HTML; a CSV is only a download link).
_HTML = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title><style>
body {{font-family: sans-serif; margin: 1em;}} table {{border-collapse: collapse;}}
th, td {{border: 1px solid #bbb; padding: 2px 8px; text-align: right;}} th {{background: #eee;}}
</style></head><body>
{table}
</body></html>
"""


def write_table(path: str | Path, frame, floatfmt: str = ".4f", latex: bool = False) -> None:
    """A table as CSV at `path`, and beside it (same stem) as Markdown (.md) and HTML (.html); with
    `latex`, also .tex."""
    write_csv(path, frame)
    write_text(Path(path).with_suffix(".md"), frame.to_markdown(index=False, floatfmt=floatfmt) + "\n")
    digits = int(floatfmt.strip(".f"))
    table = frame.to_html(index=False, float_format=lambda v: f"{v:.{digits}f}", na_rep="–", border=0)
    write_text(Path(path).with_suffix(".html"), _HTML.format(title=Path(path).stem, table=table))
    if latex:
        tex = frame.to_latex(index=False, float_format=lambda v: f"{v:.{digits}f}", na_rep="--", escape=True)
        write_text(Path(path).with_suffix(".tex"), tex)


def save_png(figure, path: str | Path, dpi: int = 120) -> None:
    """A matplotlib figure as PNG, written atomically."""
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()
