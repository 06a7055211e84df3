"""data and labels"""

from __future__ import annotations

from reasoniqa import UserError
from reasoniqa.cli.common import cfg, log


def build_model(a):
    from reasoniqa.model.tiny import build_embedded

    build_embedded(cfg(a), a.out, a.family)
    log.info("built %s model in %s", a.family or "embedded", a.out)


def pretrain_vision(a):
    from reasoniqa.model.vision_pretrain import pretrain_base

    pretrain_base(cfg(a), a.base, a.data, a.features, a.out)
    log.info("vision-pretrained base in %s", a.out)


def synthesize(a):
    from reasoniqa.config import dataset_spec
    from reasoniqa.data.ladders import synthesize_ladders
    from reasoniqa.data.synth import synthesize

    c = cfg(a)
    spec = dataset_spec(c, a.dataset, synthetic=True)
    if spec["kind"] == "ladder":
        n = synthesize_ladders(a.dataset, spec, a.out)
    else:
        n = synthesize(a.dataset, spec, a.out, c["test_photos"])
    log.info("wrote %d images to %s", n, a.out)


def fetch(a):
    from reasoniqa.config import dataset_spec
    from reasoniqa.data.real import fetch
    from reasoniqa.layout import Layout

    receipt = a.receipt or Layout().fetched(a.dataset)
    fetch(a.dataset, dataset_spec(cfg(a), a.dataset, synthetic=False), a.out, a.downloads, receipt)
    log.info("%s: raw files in %s, receipt %s", a.dataset, a.out, receipt)


def prepare(a):
    from reasoniqa.config import dataset_spec
    from reasoniqa.data.real import build_manifest
    from reasoniqa.io import check_receipt

    if a.receipt:
        check_receipt(a.receipt, a.raw)
    n = build_manifest(a.dataset, dataset_spec(cfg(a), a.dataset, synthetic=False), a.raw, a.out)
    log.info("%s: manifest of %d distorted images in %s", a.dataset, n, a.out)


def simulate_real(a):
    from reasoniqa.data.simulate import SIMULATORS, simulate

    kinds = a.datasets or list(SIMULATORS)
    unknown = [k for k in kinds if k not in SIMULATORS]
    if unknown:
        raise UserError(f"cannot simulate {unknown[0]!r}; known: {', '.join(SIMULATORS)}")
    from pathlib import Path

    from reasoniqa.data.simulate import check_target

    for kind in kinds:  # every target checked before hours of writing
        check_target(Path(a.out) / kind)
    for kind in kinds:
        n = simulate(kind, f"{a.out}/{kind}", a.fraction, a.workers, a.seed)
        log.info("%s: %d simulated images in %s/%s", kind, n, a.out, kind)


def features(a):
    from reasoniqa.labels import measure_dataset

    # the config's torch_threads processes (the rule's threads), the same under Snakemake and dvc.yaml
    workers = a.workers or cfg(a)["torch_threads"]
    log.info("measured features of %d images -> %s", measure_dataset(a.data, a.out, workers), a.out)


def calibrate(a):
    from reasoniqa.labels import calibrate_files

    labels = cfg(a)["labels"]
    log.info("thresholds: %s", calibrate_files(a.features, a.out, labels.get("quantiles"), labels.get("features")))


def labels(a):
    from reasoniqa.labels import write_records

    counts = write_records(cfg(a), a.dataset, a.data, a.features, a.calibration, a.out)
    log.info("%s: records %s -> %s", a.dataset, counts, a.out)


def validate_features(a):
    from reasoniqa.labels import validate

    validate(a.data, a.features, a.calibration, a.table, a.figure)


def validate_attributes(a):
    from reasoniqa.labels import validate_attributes

    validate_attributes(a.data, a.features, a.table)


def add_steps(step):
    s = step("build-model", build_model, "build a tiny random-init VLM (the embedded default, or --family)")
    s.add_argument("--out", required=True)
    s.add_argument("--family", help="a model family (reasoniqa.model.families); default: the config's "
                                    "model.embedded.family, for the embedded default only")

    s = step("pretrain-vision", pretrain_vision, "stage 0 of the embedded base: its vision tower learns the "
                                                 "measured features of the training images")
    s.add_argument("--base", required=True, help="the random-init base (build-model's output)")
    s.add_argument("--data", nargs="+", required=True, help="training datasets' folders (their train split is used)")
    s.add_argument("--features", nargs="+", required=True, help="their features CSVs, in the same order")
    s.add_argument("--out", required=True)

    s = step("synthesize", synthesize, "make a synthetic stand-in (shipped photographs) or ladder (procedural) dataset")
    s.add_argument("--dataset", required=True)
    s.add_argument("--out", required=True)

    s = step("fetch", fetch, "download and extract a real dataset (resumable, verified)")
    s.add_argument("--dataset", required=True)
    s.add_argument("--out", required=True, help="raw folder (extracted files, or placed there by hand)")
    s.add_argument("--downloads", required=True, help="archive folder (kept across runs, for resume)")
    s.add_argument("--receipt", help="JSON receipt of the raw folder, the step's output "
                                     "(default: resources/receipts/<dataset>.json)")

    s = step("simulate-real", simulate_real, "fabricate real-size KonIQ/SPAQ/LIVE/CSIQ in their real formats")
    s.add_argument("--out", default="resources/raw", help="raw folders <out>/<dataset>, where the paper "
                                                          "configuration expects hand-placed data")
    s.add_argument("--datasets", nargs="+", help="koniq spaq live csiq (default: all)")
    s.add_argument("--fraction", type=float, default=1.0, help="of the real image counts (LIVE: always all)")
    s.add_argument("--workers", type=int, default=1, help="processes writing images")
    s.add_argument("--seed", type=int, default=0)

    s = step("prepare", prepare, "parse a real dataset's labels into the common manifest")
    s.add_argument("--dataset", required=True)
    s.add_argument("--raw", required=True)
    s.add_argument("--receipt", help="the fetch step's receipt of --raw (checked to name that folder)")
    s.add_argument("--out", required=True)

    s = step("features", features, "measure visual features of every image of a dataset")
    s.add_argument("--data", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--workers", type=int, help="processes measuring images in parallel (default: the config's "
                                                 "torch_threads)")

    s = step("calibrate", calibrate, "feature level thresholds from the training split")
    s.add_argument("--features", nargs="+", required=True)
    s.add_argument("--out", required=True)

    s = step("labels", labels, "write the conversation records of every stage for a dataset (JSONL)")
    s.add_argument("--dataset", required=True)
    s.add_argument("--data", required=True, help="dataset folder holding manifest.csv")
    s.add_argument("--features", required=True)
    s.add_argument("--calibration", required=True)
    s.add_argument("--out", required=True, help="folder for <kind>.jsonl")

    s = step("validate-features", validate_features, "measured levels vs applied distortions")
    s.add_argument("--data", nargs="+", required=True)
    s.add_argument("--features", nargs="+", required=True)
    s.add_argument("--calibration", required=True)
    s.add_argument("--table", required=True)
    s.add_argument("--figure", required=True)

    s = step("validate-attributes", validate_attributes, "measured features vs SPAQ's attribute scores")
    s.add_argument("--data", required=True, help="a prepared SPAQ folder")
    s.add_argument("--features", required=True)
    s.add_argument("--table", required=True)
