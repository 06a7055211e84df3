"""inference: a method's model (or a classical baseline) over test splits and users' images"""

from __future__ import annotations

from reasoniqa.cli.common import cfg, log, model_args


def score_split(a):
    from reasoniqa.splits import score_split

    score_split(cfg(a), a.method, a.base, a.adapter, a.data, a.split, a.out)


def rate_measured_split(a):
    from reasoniqa.splits import rate_measured_split

    rate_measured_split(cfg(a), a.method, a.base, a.adapter, a.data, a.features, a.calibration, a.split, a.out)


def sample_split(a):
    from reasoniqa.splits import sample_split

    sample_split(cfg(a), a.method, a.base, a.adapter, a.data, a.split, a.temperatures, a.out)


def analyze_split(a):
    from reasoniqa.splits import analyze_split

    analyze_split(cfg(a), a.method, a.base, a.adapter, a.data, a.split, a.predictions, a.out)


def intervene_split(a):
    from reasoniqa.splits import intervene_split

    intervene_split(cfg(a), a.method, a.base, a.adapter, a.data, a.split, a.predictions, a.out)


def predict(a):
    from reasoniqa.predict import predict

    predict(cfg(a), a.method, a.seed, a.paths, a.json, a.results, a.base, a.samples, a.temperature)


def fit_classical(a):
    from reasoniqa.classical import fit_models

    log.info("fitted classical baselines -> %s: %s", a.out, fit_models(cfg(a), a.train_data, a.out))


def classical_split(a):
    from reasoniqa.splits import classical_split

    classical_split(a.method, a.models, a.data, a.split, a.out)


def add_steps(step):
    from reasoniqa.methods import REGISTRY

    s = step("score-split", score_split, "score one split of each dataset with a method's model (one load)")
    model_args(s)
    s.add_argument("--data", nargs="+", required=True, help="dataset folders")
    s.add_argument("--out", nargs="+", required=True, help="one predictions CSV per dataset, in the same order")

    s = step("rate-measured-split", rate_measured_split,
             "a describing method's rater fed a perfect stage 1's descriptions (the ceiling)")
    model_args(s)
    s.add_argument("--data", nargs="+", required=True, help="dataset folders")
    s.add_argument("--features", nargs="+", required=True, help="each dataset's measured features (CSV), same order")
    s.add_argument("--calibration", required=True)
    s.add_argument("--out", nargs="+", required=True, help="one CSV per dataset, in the same order")

    s = step("sample-split", sample_split, "K sampled answers per image of a split (instability test)")
    model_args(s)
    s.add_argument("--data", nargs="+", required=True, help="dataset folders")
    s.add_argument("--temperatures", type=float, nargs="+",
                   help="sampling temperatures (default: the config's instability.temperature)")
    s.add_argument("--out", nargs="+", required=True,
                   help="one JSONL per temperature and dataset, temperature-major: name, levels[K], descriptions[K]")

    s = step("analyze-split", analyze_split, "logit lens and attention at the quality token (one pass per batch)")
    model_args(s)
    s.add_argument("--data", nargs="+", required=True, help="dataset folders")
    s.add_argument("--predictions", nargs="+", required=True, help="the method's predictions per dataset (its descriptions)")
    s.add_argument("--out", nargs="+", required=True, help="one JSON of per-sample layers per dataset")

    s = step("intervene-split", intervene_split,
             "edit one feature of each image's own description, score the edited one")
    model_args(s)
    s.add_argument("--data", nargs="+", required=True, help="dataset folders")
    s.add_argument("--predictions", nargs="+", required=True, help="the method's predictions per dataset (its descriptions)")
    s.add_argument("--out", nargs="+", required=True, help="one CSV of edits and scores per dataset")

    s = step("predict", predict, "rate image files or folders with a trained method (CSV or JSON)")
    s.add_argument("paths", nargs="+", metavar="PATH", help="image files or folders")
    s.add_argument("--method", default="two_stage", choices=list(REGISTRY))
    s.add_argument("--seed", type=int, default=0, help="which trained seed to use")
    s.add_argument("--results", default="results", help="the workflow's results folder")
    s.add_argument("--json", action="store_true", help="JSON instead of CSV")
    s.add_argument("--base", help="any model folder or id to rate with (zero_shot only): try a checkpoint "
                                  "before training")
    s.add_argument("--samples", type=int, metavar="K",
                   help="also sample K answers per image and report their agreement (share naming the most "
                        "common level) and the levels they named: the paper's repeated-query test")
    s.add_argument("--temperature", type=float, help="sampling temperature of --samples (default: the "
                                                     "config's instability.temperature)")

    s = step("fit-classical", fit_classical, "fit BRISQUE's SVR and NIQE's pristine model (classical baselines)")
    s.add_argument("--train-data", nargs="+", required=True, help="training dataset folders (their train split)")
    s.add_argument("--out", required=True, help="folder for the fitted models")

    s = step("classical-split", classical_split, "score a split with a classical baseline (PIQE, BRISQUE, NIQE)")
    s.add_argument("--method", required=True, choices=["piqe", "brisque", "niqe"])
    s.add_argument("--models", required=True, help="the fit-classical folder")
    s.add_argument("--data", nargs="+", required=True, help="dataset folders")
    s.add_argument("--split", default="test")
    s.add_argument("--out", nargs="+", required=True,
                   help="prediction CSVs, one per seed and dataset (dataset-minor); every seed gets the same scores")
