"""Downloads that survive bad networks, and archive extraction that cannot escape its folder.

- resumable: a partial `<file>.part` is continued with an HTTP Range request;
- retried with backoff; written atomically (renamed into place only after verification);
- checksum-verified (sha256) before use, when a checksum is known (registry or config);
- unreachable host: one UserError saying which files to place where by hand.
"""

from __future__ import annotations

import os
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from reasoniqa import UserError
from reasoniqa.io import sha256_file

CHUNK = 1 << 16


def _fetch_once(url: str, part: Path, timeout: float, progress: bool) -> None:
    from tqdm import tqdm

    have = part.stat().st_size if part.exists() else 0
    req = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        if have and resp.status != 206:  # server ignored the Range: start over
            have = 0
        total = resp.headers.get("Content-Length")
        total = int(total) + have if total is not None else None
        with open(part, "ab" if have else "wb") as f, tqdm(
            total=total, initial=have, unit="B", unit_scale=True, desc=part.name[:-5], disable=not progress
        ) as bar:
            while block := resp.read(CHUNK):
                f.write(block)
                bar.update(len(block))
        if total is not None and part.stat().st_size < total:
            raise ConnectionError(f"connection closed at {part.stat().st_size} of {total} bytes")


def download(url: str, dest: str | Path, sha256: str | None = None, retries: int = 4,
             timeout: float = 30.0, progress: bool = True, backoff: float = 1.0) -> Path:
    """Download `url` to `dest` (resuming `dest.part`), verify, then rename into place."""
    dest = Path(dest)
    if dest.exists() and (sha256 is None or sha256_file(dest) == sha256):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    last_error: Exception | None = None
    for attempt in range(retries + 1):
        try:
            _fetch_once(url, part, timeout, progress)
            break
        except urllib.error.HTTPError as exc:
            if exc.code == 416:  # range beyond the end: the part file is complete or bad; refetch
                part.unlink(missing_ok=True)
            elif 400 <= exc.code < 500:
                raise UserError(f"{url}: HTTP {exc.code} {exc.reason}") from None
            last_error = exc
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            last_error = exc
        if attempt < retries:
            time.sleep(backoff * 2**attempt)
    else:
        raise ConnectionError(f"{url}: {last_error}")
    if sha256 is not None:
        got = sha256_file(part)
        if got != sha256:
            part.unlink()
            raise UserError(f"{dest.name}: checksum mismatch (expected sha256 {sha256[:12]}…, got {got[:12]}…); "
                            "the partial file was removed")
    os.replace(part, dest)
    return dest


def _safe_target(root: Path, name: str) -> Path:
    target = (root / name).resolve()
    if not target.is_relative_to(root.resolve()):
        raise UserError(f"archive entry {name!r} would be written outside {root}: refused")
    return target


def extract(archive: str | Path, out: str | Path) -> None:
    """Extract a zip or tar archive into `out`, refusing path traversal and links that leave `out`."""
    archive, out = Path(archive), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            for info in z.infolist():
                _safe_target(out, info.filename)
            z.extractall(out)
        return
    try:
        tar = tarfile.open(archive)
    except tarfile.TarError:
        raise UserError(f"{archive}: not a zip or tar archive") from None
    with tar:
        for member in tar.getmembers():
            _safe_target(out, member.name)
            if member.issym() or member.islnk():
                link_base = (out / member.name).parent if member.issym() else out
                if not (link_base / member.linkname).resolve().is_relative_to(out.resolve()):
                    raise UserError(f"archive link {member.name!r} -> {member.linkname!r} leaves {out}: refused")
            elif not (member.isfile() or member.isdir()):
                raise UserError(f"archive entry {member.name!r} is a device or fifo: refused")
        tar.extractall(out, filter="data")
