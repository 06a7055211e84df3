"""tables (reasoniqa.tables: one module per table)"""

from __future__ import annotations

import argparse
from pathlib import Path

from reasoniqa.cli.common import cfg


def correlations(a):
    from reasoniqa.tables.correlations import write_correlations

    write_correlations(cfg(a), a.predictions, a.table, a.metrics, a.plot, a.per_seed)


def instability(a):
    from reasoniqa.tables.instability import write_instability

    write_instability(cfg(a), a.samples, a.table, a.metrics, a.plot)


def instability_curve(a):
    from reasoniqa.tables.temperature import write_temperature_curve

    write_temperature_curve(cfg(a), a.samples, a.table, a.figure)


def grounding(a):
    from reasoniqa.tables.grounding import write_grounding

    write_grounding(cfg(a), a.predictions, a.table, a.metrics)


def intervention(a):
    from reasoniqa.tables.intervention import write_intervention

    write_intervention(cfg(a), a.edits, a.table, a.metrics)


def description_accuracy(a):
    from reasoniqa.tables.description_accuracy import description_accuracy

    description_accuracy(a.predictions, a.features, a.calibration, a.table)


def ceiling(a):
    from pathlib import Path

    from reasoniqa.splits import paired
    from reasoniqa.tables.ceiling import ceiling_table

    data = {Path(d).name: d for d in a.data}
    test = dict(paired(dataset=[Path(f).stem for f in a.test_features], features=a.test_features))
    ceiling_table(a.train_features, test, data, a.calibration, a.rated, a.own, a.table)


def ladders(a):
    from reasoniqa.tables.ladders import ladder_table

    from reasoniqa import UserError

    linear = None
    if a.train_features or a.ladder_features or a.calibration:
        if not (a.train_features and a.ladder_features and a.calibration):
            raise UserError("the linear ladder row needs --train-features, --ladder-features and --calibration together")
        linear = {"train_features": a.train_features, "ladder_features": a.ladder_features,
                  "calibration": a.calibration}
    ladder_table(a.predictions, a.data, a.table, a.rated, linear)


def metrics(a):
    from reasoniqa.tables.merged_metrics import merge_metrics

    merge_metrics(dict(a.parts), a.out)


def name_and_file(item: str) -> tuple[str, str]:
    """NAME=FILE, the file existing (an argparse type: a bad one is a usage error)."""
    name, sep, path = item.partition("=")
    if not sep or not name or not Path(path).is_file():
        raise argparse.ArgumentTypeError(f"expected NAME=existing.json, got {item!r}")
    return name, path


def add_steps(step):
    s = step("correlations", correlations, "Table 1: correlations with bootstrap intervals")
    s.add_argument("--predictions", nargs="+", required=True,
                   help="files named predictions/<method>/seed<S>/<dataset>.csv")
    s.add_argument("--table", required=True, help="CSV path; Markdown and LaTeX twins are written beside it")
    s.add_argument("--metrics", required=True)
    s.add_argument("--plot", help="also a plot-data CSV for `dvc plots show`")
    s.add_argument("--per-seed", help="also each seed's correlations and paired differences (CSV and Markdown)")

    s = step("instability", instability, "Table 2: instability of repeated sampled answers")
    s.add_argument("--samples", nargs="+", required=True, help="files named samples/<method>/seed<S>/[t<T>/]<dataset>.jsonl")
    s.add_argument("--table", required=True)
    s.add_argument("--metrics", required=True)
    s.add_argument("--plot", help="also a plot-data CSV for `dvc plots show`")

    s = step("instability-curve", instability_curve, "instability against the sampling temperature (table, figure)")
    s.add_argument("--samples", nargs="+", required=True,
                   help="files named samples/<method>/seed<S>/t<T>/<dataset>.jsonl")
    s.add_argument("--table", required=True)
    s.add_argument("--figure", required=True)

    s = step("grounding", grounding, "Table 3: grounding of ratings in the model's own descriptions, contradictions")
    s.add_argument("--predictions", nargs="+", required=True)
    s.add_argument("--table", required=True)
    s.add_argument("--metrics", required=True)

    s = step("intervention", intervention, "Table 5: does the score follow an edited description?")
    s.add_argument("--edits", nargs="+", required=True, help="files named intervention/<method>/seed<S>/<dataset>.csv")
    s.add_argument("--table", required=True)
    s.add_argument("--metrics", required=True)

    s = step("description-accuracy", description_accuracy,
             "generated descriptions vs measured feature levels (stage-1 feature accuracy)")
    s.add_argument("--predictions", nargs="+", required=True)
    s.add_argument("--features", nargs="+", required=True, help="results/features/<dataset>.csv files")
    s.add_argument("--calibration", required=True)
    s.add_argument("--table", required=True)

    s = step("ceiling", ceiling, "quality from a perfect stage 1's descriptions vs the methods (ceiling table)")
    s.add_argument("--data", nargs="+", required=True, help="dataset folders (train and test datasets)")
    s.add_argument("--train-features", nargs="+", required=True, help="features of the training datasets")
    s.add_argument("--test-features", nargs="+", required=True, help="features of the test datasets")
    s.add_argument("--calibration", required=True)
    s.add_argument("--rated", nargs="*", default=[], help="rate-measured-split predictions")
    s.add_argument("--own", nargs="*", default=[], help="the same methods' own predictions")
    s.add_argument("--table", required=True)

    s = step("ladders", ladders, "held-out distortion ladders: Spearman of each method's score vs strength")
    s.add_argument("--predictions", nargs="+", required=True, help="score-split predictions on ladder datasets")
    s.add_argument("--data", nargs="+", required=True,
                   help="the ladder dataset folders (and, with --train-features, the training datasets')")
    s.add_argument("--rated", nargs="*", default=[], help="rate-measured-split predictions on the ladders")
    s.add_argument("--train-features", nargs="*", default=[],
                   help="features of the training datasets: with --ladder-features and --calibration, "
                        "the ceiling's linear model on measured levels")
    s.add_argument("--ladder-features", nargs="*", default=[], help="features of the ladder datasets")
    s.add_argument("--calibration", help="the level thresholds (for the linear row)")
    s.add_argument("--table", required=True)

    s = step("metrics", metrics, "merge the tables' metrics into one JSON for `dvc metrics show`")
    s.add_argument("--parts", nargs="+", required=True, metavar="NAME=FILE", type=name_and_file)
    s.add_argument("--out", required=True)
