"""Real-dataset parsers on fabricated files in the real layouts, and the download/extraction safety."""

import hashlib
import io
import json
import os
import socket
import tarfile
import zipfile

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from scipy.io import savemat

from loopback import Server
from reasoniqa import UserError
from reasoniqa.data.download import download, extract
from reasoniqa.data.manifest import load_manifest
from reasoniqa.data.real import LIVE_FOLDERS, build_manifest, fetch
from reasoniqa.io import check_receipt


def _img(path, fmt="PNG"):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (8, 6), (120, 30, 200)).save(path, format=fmt)


def make_koniq(raw, n=20):
    raw.mkdir(parents=True, exist_ok=True)
    names = [f"{1000 + i}.jpg" for i in range(n)]
    sets = ["training"] * 14 + ["validation"] * 2 + ["test"] * (n - 16)
    pd.DataFrame({"image_name": names, "c1": 1, "c2": 2, "c3": 3, "c4": 4, "c5": 5, "c_total": 15,
                  "MOS": np.linspace(1.2, 4.8, n), "SD": 0.5, "set": sets}).to_csv(
        raw / "koniq10k_distributions_sets.csv", index=False)
    for n_ in names:
        _img(raw / "1024x768" / n_, "JPEG")


def test_koniq_official_split(tmp_path):
    make_koniq(tmp_path / "raw")
    n = build_manifest("koniq", {"kind": "koniq"}, tmp_path / "raw", tmp_path / "koniq")
    frame, meta = load_manifest(tmp_path / "koniq")
    assert n == 20 and frame["split"].value_counts().to_dict() == {"train": 14, "test": 4, "val": 2}
    assert frame["score"].iloc[0] == pytest.approx(0.05) and not meta["lower_is_better"]
    assert all(p.endswith(".jpg") and (tmp_path / "koniq").joinpath(p).exists() for p in frame["path"])


def test_spaq_xlsx_seeded_split(tmp_path):
    raw = tmp_path / "raw"
    (raw / "Annotations").mkdir(parents=True)
    names = [f"{i:05d}.jpg" for i in range(1, 11)]
    pd.DataFrame({"Image name": names, "MOS": np.linspace(5, 90, 10), "Brightness": 50, "Colorfulness": 50,
                  "Contrast": 50, "Noisiness": 50, "Sharpness": 50}).to_excel(
        raw / "Annotations" / "MOS and Image attribute scores.xlsx", index=False)
    for n in names:
        _img(raw / "TestImage" / n, "JPEG")
    build_manifest("spaq", {"kind": "spaq", "seed": 3}, raw, tmp_path / "a")
    build_manifest("spaq", {"kind": "spaq", "seed": 3}, raw, tmp_path / "b")
    a = pd.read_csv(tmp_path / "a/manifest.csv")
    assert a.equals(pd.read_csv(tmp_path / "b/manifest.csv"))
    assert (a["split"] == "test").sum() == 2


def make_live(raw):
    total = sum(n for _, n in LIVE_FOLDERS)
    rng = np.random.default_rng(0)
    refs = [f"ref{i % 29}.bmp" for i in range(total)]
    orgs = np.zeros(total, int)
    orgs[::5] = 1  # some entries are the reference copies, as in LIVE
    savemat(raw / "dmos.mat", {"dmos": rng.uniform(0, 100, (1, total)), "orgs": orgs[None, :]})
    savemat(raw / "refnames_all.mat", {"refnames_all": np.array(refs, dtype=object)[None, :]})
    for folder, n in LIVE_FOLDERS:
        for i in range(1, n + 1):
            _img(raw / folder / f"img{i}.bmp", "BMP")
    return orgs


def test_live_mat_references_excluded_and_split_by_content(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    orgs = make_live(raw)
    n = build_manifest("live", {"kind": "live", "seed": 0}, raw, tmp_path / "live")
    assert n == int((orgs == 0).sum())
    frame, meta = load_manifest(tmp_path / "live")
    assert len(frame) == n and meta["lower_is_better"]
    train, test = (set(frame.loc[frame.split == s, "content"]) for s in ("train", "test"))
    assert train and test and not train & test
    all_rows, _ = load_manifest(tmp_path / "live", references=True)
    assert len(all_rows) == len(orgs)


def test_csiq_xlsx(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    rows = [{"image": img, "dst_idx": 1, "dst_type": t, "dst_lev": lev, "dmos_std": 0.1, "dmos": 0.1 * lev}
            for img in ("1600", "aerial_city") for t in ("noise", "jpeg 2000", "contrast") for lev in (1, 2)]
    with pd.ExcelWriter(raw / "csiq.DMOS.xlsx") as w:
        pd.DataFrame(rows).to_excel(w, sheet_name="all_by_image", index=False)
    for r in rows:
        folder = {"noise": "awgn", "jpeg 2000": "jpeg2000", "contrast": "contrast"}[r["dst_type"]]
        _img(raw / "dst_imgs" / folder / f"{r['image']}.{folder.upper()}.{r['dst_lev']}.png")
    build_manifest("csiq", {"kind": "csiq"}, raw, tmp_path / "csiq")
    frame, _ = load_manifest(tmp_path / "csiq")
    assert len(frame) == 12 and frame["score"].max() <= 1
    assert frame.loc[frame["mos"] == 0.2, "score"].iloc[0] == pytest.approx(0.8)  # DMOS flipped


@pytest.mark.parametrize("fault, message", [
    ("nan", "NaN MOS"), ("duplicate", "duplicate image name"), ("missing_image", "labelled images missing"),
    ("out_of_range", "far outside"), ("bad_set", "unknown set"),
])
def test_bad_label_files_fail_naming_the_problem(tmp_path, fault, message):
    raw = tmp_path / "raw"
    raw.mkdir()
    make_koniq(raw)
    csv = raw / "koniq10k_distributions_sets.csv"
    frame = pd.read_csv(csv)
    if fault == "nan":
        frame.loc[3, "MOS"] = np.nan
    elif fault == "duplicate":
        frame.loc[3, "image_name"] = frame.loc[2, "image_name"]
    elif fault == "missing_image":
        (raw / "1024x768" / frame.loc[5, "image_name"]).unlink()
    elif fault == "out_of_range":
        frame.loc[3, "MOS"] = 40.0
    elif fault == "bad_set":
        frame.loc[3, "set"] = "holdout"
    frame.to_csv(csv, index=False)
    with pytest.raises(UserError, match=message):
        build_manifest("koniq", {"kind": "koniq"}, raw, tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_download_resumes_after_a_cut_connection(tmp_path):
    (tmp_path / "srv").mkdir()
    payload = bytes(range(256)) * 2000
    (tmp_path / "srv/data.bin").write_bytes(payload)
    with Server(tmp_path / "srv", cut_first_after=100_000) as srv:
        out = download(f"{srv.url}/data.bin", tmp_path / "dl/data.bin",
                       sha256=hashlib.sha256(payload).hexdigest(), progress=False, backoff=0.01)
        ranges = [r for _, r in srv.requests]
    assert out.read_bytes() == payload
    assert ranges[0] is None and ranges[1] == "bytes=100000-"  # second request continued, not restarted
    assert not (tmp_path / "dl/data.bin.part").exists()


def test_download_refuses_checksum_mismatch(tmp_path):
    (tmp_path / "srv").mkdir()
    (tmp_path / "srv/data.bin").write_bytes(b"tampered")
    with Server(tmp_path / "srv") as srv, pytest.raises(UserError, match="checksum mismatch"):
        download(f"{srv.url}/data.bin", tmp_path / "dl/data.bin", sha256="0" * 64, progress=False)
    assert not (tmp_path / "dl/data.bin").exists() and not (tmp_path / "dl/data.bin.part").exists()


def test_unreachable_host_says_what_to_place_where(tmp_path, monkeypatch):
    import reasoniqa.data.download

    monkeypatch.setattr(reasoniqa.data.download.time, "sleep", lambda s: None)  # the retries' backoff (15 s)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    spec = {"kind": "koniq", "mirror": f"http://127.0.0.1:{port}"}
    with pytest.raises(UserError) as err:
        fetch("koniq", spec, tmp_path / "raw", tmp_path / "downloads", tmp_path / "r.json", progress=False)
    msg = str(err.value)
    assert "koniq10k_1024x768.zip" in msg and str(tmp_path / "downloads") in msg and "\n" not in msg


def test_fetch_from_mirror_then_prepare(tmp_path):
    staging = tmp_path / "staging"
    staging.mkdir()
    make_koniq(staging)
    srv_dir = tmp_path / "srv"
    srv_dir.mkdir()
    with zipfile.ZipFile(srv_dir / "koniq10k_1024x768.zip", "w") as z:
        for p in (staging / "1024x768").iterdir():
            z.write(p, f"1024x768/{p.name}")
    with zipfile.ZipFile(srv_dir / "koniq10k_scores_and_distributions.zip", "w") as z:
        z.write(staging / "koniq10k_distributions_sets.csv", "koniq10k_distributions_sets.csv")
    with Server(srv_dir) as srv:
        fetch("koniq", {"kind": "koniq", "mirror": srv.url}, tmp_path / "raw", tmp_path / "dl", tmp_path / "r.json",
              progress=False)
    assert build_manifest("koniq", {"kind": "koniq"}, tmp_path / "raw", tmp_path / "koniq") == 20
    assert json.loads((tmp_path / "r.json").read_text())["files"] == 21  # 20 images and the labels


def _tar_with(tmp_path, member: tarfile.TarInfo, data: bytes = b"x"):
    path = tmp_path / "evil.tar"
    with tarfile.open(path, "w") as t:
        member.size = len(data) if member.isfile() else 0
        t.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return path


def test_tar_with_parent_traversal_is_refused(tmp_path):
    archive = _tar_with(tmp_path, tarfile.TarInfo("../escaped.txt"))
    with pytest.raises(UserError, match="outside"):
        extract(archive, tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists()


def test_tar_with_link_outside_is_refused(tmp_path):
    link = tarfile.TarInfo("data/link")
    link.type, link.linkname = tarfile.SYMTYPE, "../../etc/passwd"
    with pytest.raises(UserError, match="leaves"):
        extract(_tar_with(tmp_path, link), tmp_path / "out")


def test_zip_with_absolute_or_parent_paths_is_refused(tmp_path):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("../../escaped.txt", b"x")
    with pytest.raises(UserError, match="outside"):
        extract(path, tmp_path / "out")


def test_bad_image_stops_or_is_listed_when_skipping(tmp_path):
    raw = tmp_path / "raw"
    make_koniq(raw)
    (raw / "1024x768" / "1003.jpg").write_bytes(b"")  # zero bytes
    with pytest.raises(UserError, match="1003.jpg"):
        build_manifest("koniq", {"kind": "koniq"}, raw, tmp_path / "a")
    n = build_manifest("koniq", {"kind": "koniq", "on_bad_image": "skip"}, raw, tmp_path / "b")
    skipped = pd.read_csv(tmp_path / "b/skipped.csv")
    assert n == 19 and skipped["name"].tolist() == ["1003.jpg"] and "empty" in skipped["reason"][0]


def test_resize_max_writes_smaller_copies_and_keeps_originals(tmp_path):
    raw = tmp_path / "raw"
    make_koniq(raw, n=20)
    big = raw / "1024x768" / "1000.jpg"
    Image.new("RGB", (300, 200)).save(big)
    build_manifest("koniq", {"kind": "koniq", "resize_max": 64}, raw, tmp_path / "k")
    frame, _ = load_manifest(tmp_path / "k")
    assert Image.open(frame["path"].iloc[0]).size == (64, 43)
    assert Image.open(big).size == (300, 200)


def test_prepare_decodes_each_image_once(tmp_path, monkeypatch):
    """Checking and resizing share one decode (a real SPAQ original of 4000x3000 px takes ~0.3 s)."""
    import reasoniqa.images

    raw = tmp_path / "raw"
    make_koniq(raw, n=20)
    opened = []
    real = reasoniqa.images.load_image
    monkeypatch.setattr(reasoniqa.images, "load_image", lambda p: opened.append(p) or real(p))
    build_manifest("koniq", {"kind": "koniq", "resize_max": 4}, raw, tmp_path / "k")
    assert len(opened) == len(set(opened)) == 20


def test_no_mirror_names_the_homepage_and_the_folders(tmp_path):
    with pytest.raises(UserError) as err:
        fetch("live", {"kind": "live"}, tmp_path / "raw", tmp_path / "dl", tmp_path / "r.json", progress=False)
    msg = str(err.value)
    assert "databaserelease2.zip" in msg and "live.ece.utexas.edu" in msg and str(tmp_path / "dl") in msg


def test_placed_by_hand_skips_the_download(tmp_path):
    make_koniq(tmp_path / "raw")
    fetch("koniq", {"kind": "koniq"}, tmp_path / "raw", tmp_path / "dl", tmp_path / "r.json",
          progress=False)  # no mirror needed
    assert not (tmp_path / "dl").exists()
    first = json.loads((tmp_path / "r.json").read_text())
    assert first["raw"] == (tmp_path / "raw").as_posix() and first["files"] == 21
    check_receipt(tmp_path / "r.json", tmp_path / "raw")
    # an edited file: prepare's check names it until fetch writes a new receipt (what prepare depends on)
    label = tmp_path / "raw/koniq10k_distributions_sets.csv"
    label.write_text(label.read_text())
    os.utime(label, ns=(1, 1))
    with pytest.raises(UserError, match="changed since fetch"):
        check_receipt(tmp_path / "r.json", tmp_path / "raw")
    fetch("koniq", {"kind": "koniq"}, tmp_path / "raw", tmp_path / "dl", tmp_path / "r.json", progress=False)
    assert json.loads((tmp_path / "r.json").read_text())["listing"] != first["listing"]
    check_receipt(tmp_path / "r.json", tmp_path / "raw")
    with pytest.raises(UserError, match="receipt of"):
        check_receipt(tmp_path / "r.json", tmp_path / "other")


@pytest.mark.integration
def test_a_forced_fetch_rerun_keeps_a_dataset_placed_by_hand(root, tmp_path, venv_bin):
    """Snakemake deletes a job's outputs before rerunning it: the raw folder is not the fetch job's
    output (its receipt is), so `--forceall` rebuilds the prepared dataset and keeps the placed files."""
    from project import copy_project, run

    work = copy_project(root, tmp_path / "w")
    make_koniq(work / "resources/raw/koniq")
    (work / "config/hand.yaml").write_text(
        "datasets:\n  koniq: {kind: koniq}\ntrain_datasets: [koniq]\ntest_datasets: [koniq]\n")
    target = ["resources/koniq", "--cores", "1", "--configfile", "config/hand.yaml"]
    receipts = []
    for extra in ([], ["--forceall"]):
        run([venv_bin / "snakemake", *target, *extra], work, venv_bin)
        assert (work / "resources/koniq/manifest.csv").is_file()
        receipts.append(json.loads((work / "resources/receipts/koniq.json").read_text()))
    # the same files, sizes and modification times: neither deleted nor extracted again
    assert receipts[0]["files"] == 21 and receipts[0] == receipts[1]
