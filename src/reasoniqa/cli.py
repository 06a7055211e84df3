"""`reasoniqa <step>`: one subcommand per workflow step. Thin: parse, call the library, report.

User mistakes (UserError) print one line and exit 2; heavy imports happen inside the steps.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from reasoniqa import STAGES, UserError, __version__
from reasoniqa.methods import REGISTRY as METHODS

log = logging.getLogger("reasoniqa")


def _setup_logging(log_file: str | None) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, mode="w"))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s",
                        handlers=handlers, force=True)


def cmd_build_model(a):
    from reasoniqa.model.tiny import build_tiny_llava

    cfg = _cfg(a)
    if cfg["model"]["source"] != "embedded":
        raise UserError("build-model builds the embedded model only; model.source is "
                        f"{cfg['model']['source']!r}")
    from reasoniqa.io import atomic_dir

    with atomic_dir(a.out) as tmp:
        build_tiny_llava(cfg, tmp)
    log.info("built embedded model in %s", a.out)


def cmd_synthesize(a):
    from reasoniqa.data.synth import synthesize

    cfg = _cfg(a)
    spec = _dataset_spec(cfg, a.dataset)
    if spec["kind"] != "synthetic":
        raise UserError(f"dataset {a.dataset!r} is a real dataset ({spec['kind']}): use `reasoniqa fetch`")
    n = synthesize(a.dataset, spec, a.out, cfg["test_photos"])
    log.info("wrote %d images to %s", n, a.out)


def cmd_fetch(a):
    from reasoniqa.data.real import fetch

    cfg = _cfg(a)
    fetch(a.dataset, _real_spec(cfg, a.dataset), a.out, a.downloads)
    log.info("%s: raw files in %s", a.dataset, a.out)


def cmd_prepare(a):
    from reasoniqa.data.real import build_manifest

    cfg = _cfg(a)
    n = build_manifest(a.dataset, _real_spec(cfg, a.dataset), a.raw, a.out)
    log.info("%s: manifest of %d distorted images in %s", a.dataset, n, a.out)


def _real_spec(cfg: dict, name: str) -> dict:
    spec = _dataset_spec(cfg, name)
    if spec["kind"] == "synthetic":
        raise UserError(f"dataset {name!r} is synthetic: use `reasoniqa synthesize`")
    return spec


def cmd_features(a):
    from reasoniqa.labels import measure_dataset

    n = measure_dataset(a.data, a.out)
    log.info("measured features of %d images -> %s", n, a.out)


def cmd_calibrate(a):
    from reasoniqa.labels import calibrate_files

    thresholds = calibrate_files(a.features, a.out)
    log.info("thresholds: %s", thresholds)


def cmd_labels(a):
    from reasoniqa.labels import write_records

    counts = write_records(_cfg(a), a.dataset, a.data, a.features, a.calibration, a.out)
    log.info("%s: records %s -> %s", a.dataset, counts, a.out)


def cmd_validate_features(a):
    from reasoniqa.labels import validate

    if len(a.data) != len(a.features):
        raise UserError("--data and --features need the same number of entries, in the same order")
    validate(a.data, a.features, a.calibration, a.table, a.figure)


def cmd_train(a):
    from reasoniqa.train import train

    cfg = _cfg(a)
    stats = train(cfg, a.base, a.records, a.seed, a.out, a.checkpoints, stage=a.stage)
    log.info("train stats: %s", stats)


def cmd_merge(a):
    from reasoniqa.train import merge_adapter

    merge_adapter(_cfg(a), a.base, a.adapter, a.out)
    log.info("merged %s into %s -> %s", a.adapter, a.base, a.out)


def cmd_score_split(a):
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.io import write_csv
    from reasoniqa.scoring import load_method_model, score_frame

    cfg = _cfg(a)
    frame, _ = load_manifest(a.data, split=a.split)
    model, processor = load_method_model(cfg, a.base, a.adapter)
    pred = score_frame(cfg, a.method, model, processor, frame)
    write_csv(a.out, pred)
    log.info("scored %d images -> %s", len(pred), a.out)


def cmd_fit_classical(a):
    from reasoniqa.classical import fit_models

    log.info("fitted classical baselines -> %s: %s", a.out, fit_models(_cfg(a), a.train_data, a.out))


def cmd_classical_split(a):
    from reasoniqa.classical import score_frame
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.io import write_csv

    if not a.out or len(a.out) % len(a.data):
        raise UserError(f"give one --out per seed and dataset, dataset-minor (got {len(a.out)} --out for "
                        f"{len(a.data)} --data)")
    for j, data in enumerate(a.data):
        frame, _ = load_manifest(data, split=a.split)
        pred = score_frame(a.method, frame, a.models)
        for out in a.out[j :: len(a.data)]:  # deterministic: every seed's file is the same
            write_csv(out, pred)
        log.info("%s scored %d images of %s", a.method, len(pred), data)


def cmd_predict(a):
    from reasoniqa.predict import predict

    predict(_cfg(a), a.method, a.seed, a.paths, a.json, a.results)


def _paired(a, *names: str) -> list[tuple]:
    """Per-dataset argument lists given in the same order (--data D1 D2 --out O1 O2)."""
    lists = [getattr(a, n) for n in names]
    if len({len(v) for v in lists}) != 1:
        counts = ", ".join(f"{len(v)} --{n}" for n, v in zip(names, lists))
        raise UserError(f"give one of each per dataset, in the same order (got {counts})")
    return list(zip(*lists))


def cmd_sample_split(a):
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.io import write_jsonl
    from reasoniqa.sampling import sample_answers, subset
    from reasoniqa.scoring import load_method_model

    cfg = _cfg(a)
    temperatures = a.temperatures or [cfg["instability"]["temperature"]]
    if len(a.out) != len(temperatures) * len(a.data):
        raise UserError(f"give one --out per temperature and dataset, temperature-major (got {len(a.out)} --out "
                        f"for {len(temperatures)} temperatures x {len(a.data)} --data)")
    model, processor = load_method_model(cfg, a.base, a.adapter)
    for j, data in enumerate(a.data):
        frame, _ = load_manifest(data, split=a.split)
        frame = subset(frame, cfg["instability"]["max_images"], cfg["instability"]["seed"])
        for i, temperature in enumerate(temperatures):
            out = a.out[i * len(a.data) + j]
            answers = sample_answers(cfg, a.method, model, processor, list(frame["path"]), temperature)
            write_jsonl(out, [{"name": n, **ans} for n, ans in zip(frame["name"], answers)])
            log.info("sampled %d x %d answers at T=%g -> %s", len(frame), cfg["instability"]["k"], temperature, out)


def cmd_analyze_split(a):
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.io import write_json
    from reasoniqa.lens import analyze
    from reasoniqa.sampling import subset
    from reasoniqa.scoring import load_method_model

    cfg = _cfg(a)
    jobs = _paired(a, "data", "predictions", "out")
    model, processor = load_method_model(cfg, a.base, a.adapter, attn="eager")
    for data, predictions, out in jobs:
        frame, _ = load_manifest(data, split=a.split)
        frame = subset(frame, cfg["analysis"]["samples"], cfg["analysis"]["seed"])
        descriptions = _descriptions_of(predictions, frame)
        records = analyze(cfg, a.method, model, processor, list(frame["path"]), descriptions)
        write_json(out, {"method": a.method, "samples": [{"name": n, **r} for n, r in zip(frame["name"], records)]})
        log.info("lens and attention of %d images -> %s", len(records), out)


def cmd_intervene_split(a):
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.intervention import edits_frame, intervene
    from reasoniqa.io import write_csv
    from reasoniqa.sampling import subset
    from reasoniqa.scoring import load_method_model

    cfg = _cfg(a)
    jobs = _paired(a, "data", "predictions", "out")
    model, processor = load_method_model(cfg, a.base, a.adapter)
    for data, predictions, out in jobs:
        frame, _ = load_manifest(data, split=a.split)
        frame = subset(frame, cfg["intervention"]["max_images"], cfg["intervention"]["seed"])
        descriptions = _descriptions_of(predictions, frame)
        rows = intervene(cfg, a.method, model, processor, list(frame["path"]), descriptions)
        table = edits_frame(rows, list(frame["name"]))
        write_csv(out, table)
        log.info("%d edits of %d descriptions -> %s", len(table), len(frame), out)


def _descriptions_of(predictions: str, frame) -> list[str]:
    """The descriptions a method wrote for the frame's images (its predictions file)."""
    import pandas as pd

    pred = pd.read_csv(predictions, keep_default_na=False).set_index("name")
    missing = sorted(set(frame["name"]) - set(pred.index))
    if missing:
        raise UserError(f"{predictions}: no prediction for image {missing[0]!r} ({len(missing)} missing)")
    return [str(d) for d in pred.loc[frame["name"], "description"]]


def cmd_intervention(a):
    from reasoniqa.intervention import write_intervention

    write_intervention(_cfg(a), a.edits, a.table, a.metrics)


def cmd_lens_figure(a):
    from reasoniqa.render_dynamics import lens_figure

    lens_figure(_cfg(a), a.analysis, a.figure, a.table)


def cmd_attention_figure(a):
    from reasoniqa.render_dynamics import attention_figure

    attention_figure(a.analysis, a.figure)


def cmd_examples_figure(a):
    from reasoniqa.render_examples import plot_examples

    plot_examples(_cfg(a), a.predictions, a.samples, a.data, a.out)


def cmd_feature_quality_figure(a):
    from reasoniqa.render_examples import plot_feature_vs_quality

    plot_feature_vs_quality(_cfg(a), a.predictions, a.out)


def cmd_correlations(a):
    from reasoniqa.evaluate import write_correlations

    write_correlations(_cfg(a), a.predictions, a.table, a.metrics, a.plot, a.per_seed)


def cmd_instability(a):
    from reasoniqa.instability import write_instability

    write_instability(_cfg(a), a.samples, a.table, a.metrics, a.plot)


def cmd_instability_curve(a):
    from reasoniqa.instability import write_temperature_curve

    write_temperature_curve(_cfg(a), a.samples, a.table, a.figure)


def cmd_grounding(a):
    from reasoniqa.evaluate import write_grounding

    write_grounding(_cfg(a), a.predictions, a.table, a.metrics)


def cmd_metrics(a):
    from reasoniqa.evaluate import merge_metrics

    parts = {}
    for item in a.parts:
        name, sep, path = item.partition("=")
        if not sep or not name or not Path(path).is_file():
            raise UserError(f"--parts: expected NAME=existing.json, got {item!r}")
        parts[name] = path
    merge_metrics(parts, a.out)


def cmd_description_accuracy(a):
    from reasoniqa.evaluate import description_accuracy

    description_accuracy(a.predictions, a.features, a.calibration, a.table)


def cmd_plot_scatter(a):
    from reasoniqa.render import plot_scatter

    plot_scatter(a.predictions, a.out)


def cmd_datasets_overview(a):
    from reasoniqa.render import plot_datasets_overview

    plot_datasets_overview(a.data, a.table, a.figure)


def cmd_dvc_yaml(a):
    from reasoniqa.dvcgen import render_dvc_yaml
    from reasoniqa.io import write_text

    text = render_dvc_yaml(a.config)
    if a.out == "-":
        sys.stdout.write(text)
    else:
        write_text(a.out, text)


def cmd_readme(a):
    from reasoniqa.readme import take_snapshot, update_readme

    if not a.keep_snapshot:
        take_snapshot(a.results, a.snapshot, a.config)
    log.info("README blocks rewritten from %s: %s", a.snapshot, ", ".join(update_readme(a.readme, a.snapshot)))


def _cfg(a) -> dict:
    from reasoniqa.config import load_config

    return load_config(a.config)


def _dataset_spec(cfg: dict, name: str) -> dict:
    if name not in cfg["datasets"]:
        raise UserError(f"dataset {name!r} is not defined in the config (known: {', '.join(cfg['datasets'])})")
    return cfg["datasets"][name]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="reasoniqa", description="Reasoned, stable blind image quality assessment with VLMs: workflow steps.")
    p.add_argument("--version", action="version", version=__version__)
    sub = p.add_subparsers(dest="step", required=True, metavar="STEP")

    def model_args(s):
        """The method, its model and the split: shared by the steps that run a method's model."""
        s.add_argument("--method", required=True, choices=METHODS)
        s.add_argument("--base", required=True)
        s.add_argument("--adapter", help="LoRA adapter folder (none: the zero-shot base)")
        s.add_argument("--split", default="test")

    def step(name, func, help_):
        s = sub.add_parser(name, help=help_, description=help_)
        s.add_argument("--config", default="config/config.yaml", help="workflow config (YAML)")
        s.add_argument("--log", help="also write the log to this file")
        s.set_defaults(func=func)
        return s

    s = step("build-model", cmd_build_model, "build the embedded tiny LLaVA (random init) and save it")
    s.add_argument("--out", required=True)

    s = step("synthesize", cmd_synthesize, "make a synthetic stand-in dataset from shipped photographs")
    s.add_argument("--dataset", required=True)
    s.add_argument("--out", required=True)

    s = step("fetch", cmd_fetch, "download and extract a real dataset (resumable, verified)")
    s.add_argument("--dataset", required=True)
    s.add_argument("--out", required=True, help="raw folder (extracted files)")
    s.add_argument("--downloads", required=True, help="archive folder (kept across runs, for resume)")

    s = step("prepare", cmd_prepare, "parse a real dataset's labels into the common manifest")
    s.add_argument("--dataset", required=True)
    s.add_argument("--raw", required=True)
    s.add_argument("--out", required=True)

    s = step("features", cmd_features, "measure visual features of every image of a dataset")
    s.add_argument("--data", required=True)
    s.add_argument("--out", required=True)

    s = step("calibrate", cmd_calibrate, "feature level thresholds from the training split")
    s.add_argument("--features", nargs="+", required=True)
    s.add_argument("--out", required=True)

    s = step("labels", cmd_labels, "write the conversation records of every stage for a dataset (JSONL)")
    s.add_argument("--dataset", required=True)
    s.add_argument("--data", required=True, help="dataset folder holding manifest.csv")
    s.add_argument("--features", required=True)
    s.add_argument("--calibration", required=True)
    s.add_argument("--out", required=True, help="folder for <kind>.jsonl")

    s = step("validate-features", cmd_validate_features, "measured levels vs applied distortions")
    s.add_argument("--data", nargs="+", required=True)
    s.add_argument("--features", nargs="+", required=True)
    s.add_argument("--calibration", required=True)
    s.add_argument("--table", required=True)
    s.add_argument("--figure", required=True)

    s = step("train", cmd_train, "LoRA-tune the base model on records (resumes from checkpoints)")
    s.add_argument("--base", required=True, help="base model folder or id")
    s.add_argument("--records", nargs="+", required=True)
    s.add_argument("--seed", type=int, required=True)
    s.add_argument("--out", required=True, help="adapter folder")
    s.add_argument("--checkpoints", required=True, help="checkpoint folder (kept across runs for resume)")
    s.add_argument("--stage", default="one_stage", choices=STAGES,
                   help="one_stage: the full budget; stage1/stage2: the two-stage split of it")

    s = step("merge", cmd_merge, "fold a LoRA adapter into its base model (stage 1 -> stage 2 base)")
    s.add_argument("--base", required=True)
    s.add_argument("--adapter", required=True)
    s.add_argument("--out", required=True)

    s = step("score-split", cmd_score_split, "score one split of a dataset with a method's model")
    model_args(s)
    s.add_argument("--data", required=True)
    s.add_argument("--out", required=True)

    s = step("predict", cmd_predict, "rate image files or folders with a trained method (CSV or JSON)")
    s.add_argument("paths", nargs="+", metavar="PATH", help="image files or folders")
    s.add_argument("--method", default="two_stage", choices=METHODS)
    s.add_argument("--seed", type=int, default=0, help="which trained seed to use")
    s.add_argument("--results", default="results", help="the workflow's results folder")
    s.add_argument("--json", action="store_true", help="JSON instead of CSV")

    s = step("fit-classical", cmd_fit_classical, "fit BRISQUE's SVR and NIQE's pristine model (classical baselines)")
    s.add_argument("--train-data", nargs="+", required=True, help="training dataset folders (their train split)")
    s.add_argument("--out", required=True, help="folder for the fitted models")

    s = step("classical-split", cmd_classical_split, "score a split with a classical baseline (PIQE, BRISQUE, NIQE)")
    s.add_argument("--method", required=True, choices=["piqe", "brisque", "niqe"])
    s.add_argument("--models", required=True, help="the fit-classical folder")
    s.add_argument("--data", nargs="+", required=True, help="dataset folders")
    s.add_argument("--split", default="test")
    s.add_argument("--out", nargs="+", required=True,
                   help="prediction CSVs, one per seed and dataset (dataset-minor); every seed gets the same scores")

    s = step("sample-split", cmd_sample_split, "K sampled answers per image of a split (instability test)")
    model_args(s)
    s.add_argument("--data", nargs="+", required=True, help="dataset folders")
    s.add_argument("--temperatures", type=float, nargs="+",
                   help="sampling temperatures (default: the config's instability.temperature)")
    s.add_argument("--out", nargs="+", required=True,
                   help="one JSONL per temperature and dataset, temperature-major: name, levels[K], descriptions[K]")

    s = step("analyze-split", cmd_analyze_split, "logit lens and attention at the quality token (one pass per batch)")
    model_args(s)
    s.add_argument("--data", nargs="+", required=True, help="dataset folders")
    s.add_argument("--predictions", nargs="+", required=True, help="the method's predictions per dataset (its descriptions)")
    s.add_argument("--out", nargs="+", required=True, help="one JSON of per-sample layers per dataset")

    s = step("intervene-split", cmd_intervene_split,
             "edit one feature of each image's own description, score the edited one (describing methods)")
    model_args(s)
    s.add_argument("--data", nargs="+", required=True, help="dataset folders")
    s.add_argument("--predictions", nargs="+", required=True, help="the method's predictions per dataset (its descriptions)")
    s.add_argument("--out", nargs="+", required=True, help="one CSV of edits and scores per dataset")

    s = step("intervention", cmd_intervention, "does the score follow an edited description? (table)")
    s.add_argument("--edits", nargs="+", required=True, help="files named intervention/<method>/seed<S>/<dataset>.csv")
    s.add_argument("--table", required=True)
    s.add_argument("--metrics", required=True)

    s = step("lens-figure", cmd_lens_figure, "Figure 3: logit lens (example and aggregate) and its table")
    s.add_argument("--analysis", nargs="+", required=True)
    s.add_argument("--figure", required=True)
    s.add_argument("--table", required=True)

    s = step("attention-figure", cmd_attention_figure, "Figure 5: attention of the quality token per layer")
    s.add_argument("--analysis", nargs="+", required=True)
    s.add_argument("--figure", required=True)

    s = step("examples-figure", cmd_examples_figure, "Figure 1: contradictions and repeated answers on examples")
    s.add_argument("--predictions", nargs="+", required=True, help="one dataset's predictions of the describing methods")
    s.add_argument("--samples", nargs="+", required=True, help="the same methods' sampled answers on that dataset")
    s.add_argument("--data", required=True, help="that dataset's folder")
    s.add_argument("--out", required=True)

    s = step("feature-quality-figure", cmd_feature_quality_figure, "predicted score by described feature level")
    s.add_argument("--predictions", nargs="+", required=True)
    s.add_argument("--out", required=True)

    s = step("correlations", cmd_correlations, "Table 1: correlations with bootstrap intervals")
    s.add_argument("--predictions", nargs="+", required=True,
                   help="files named predictions/<method>/seed<S>/<dataset>.csv")
    s.add_argument("--table", required=True, help="CSV path; Markdown and LaTeX twins are written beside it")
    s.add_argument("--metrics", required=True)
    s.add_argument("--plot", help="also a plot-data CSV for `dvc plots show`")
    s.add_argument("--per-seed", help="also each seed's correlations and paired differences (CSV and Markdown)")

    s = step("instability", cmd_instability, "Table 2: instability of repeated sampled answers")
    s.add_argument("--samples", nargs="+", required=True, help="files named samples/<method>/seed<S>/[t<T>/]<dataset>.jsonl")
    s.add_argument("--table", required=True)
    s.add_argument("--metrics", required=True)
    s.add_argument("--plot", help="also a plot-data CSV for `dvc plots show`")

    s = step("instability-curve", cmd_instability_curve, "instability against the sampling temperature (table, figure)")
    s.add_argument("--samples", nargs="+", required=True,
                   help="files named samples/<method>/seed<S>/t<T>/<dataset>.jsonl")
    s.add_argument("--table", required=True)
    s.add_argument("--figure", required=True)

    s = step("grounding", cmd_grounding, "grounding of ratings in the model's own descriptions, contradictions")
    s.add_argument("--predictions", nargs="+", required=True)
    s.add_argument("--table", required=True)
    s.add_argument("--metrics", required=True)

    s = step("metrics", cmd_metrics, "merge the tables' metrics into one JSON for `dvc metrics show`")
    s.add_argument("--parts", nargs="+", required=True, metavar="NAME=FILE")
    s.add_argument("--out", required=True)

    s = step("description-accuracy", cmd_description_accuracy,
             "generated descriptions vs measured feature levels (stage-1 feature accuracy)")
    s.add_argument("--predictions", nargs="+", required=True)
    s.add_argument("--features", nargs="+", required=True, help="results/features/<dataset>.csv files")
    s.add_argument("--calibration", required=True)
    s.add_argument("--table", required=True)

    s = step("plot-scatter", cmd_plot_scatter, "predicted vs ground-truth score scatter (PNG)")
    s.add_argument("--predictions", nargs="+", required=True)
    s.add_argument("--out", required=True)
    s = step("datasets-overview", cmd_datasets_overview, "counts table and score distributions per dataset")
    s.add_argument("--data", nargs="+", required=True, help="dataset folders")
    s.add_argument("--table", required=True)
    s.add_argument("--figure", required=True)

    s = step("readme", cmd_readme, "write the README's result tables from a finished run (via a committed snapshot)")
    s.add_argument("--results", default="results")
    s.add_argument("--snapshot", default="docs/results", help="committed copy of the tables the README shows")
    s.add_argument("--readme", default="README.md")
    s.add_argument("--keep-snapshot", action="store_true", help="re-render from the snapshot as it is")

    s = step("dvc-yaml", cmd_dvc_yaml, "generate dvc.yaml from the Snakemake DAG")
    s.add_argument("--out", default="dvc.yaml", help="output path, or - for stdout")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args.log)
    try:
        args.func(args)
    except UserError as exc:
        message = f"reasoniqa {args.step}: error: {exc}"
        print(message, file=sys.stderr)
        if args.log:  # the rule's log must say why the job failed, too
            with open(args.log, "a") as f:
                f.write(message + "\n")
        return 2
    except KeyboardInterrupt:
        print(f"reasoniqa {args.step}: interrupted", file=sys.stderr)
        return 130
    return 0
