import re

from snakemake.utils import validate

# `--config seeds=[0,1,2]` hands the items over as strings; seeds are integers everywhere else.
if isinstance(config.get("seeds"), list):
    config["seeds"] = [
        int(s) if isinstance(s, str) and s.isdigit() else s for s in config["seeds"]
    ]
validate(config, "../schemas/config.schema.yaml")
# and the rules across keys the schema cannot state (datasets referenced, methods known, ...)
from reasoniqa.config import validate_config

# (with every schema default filled in, for the rules' resources)
FULL_CONFIG = validate_config(config, source="config")

# The config files the steps read: the base (the Snakefile's configfile), then each --configfile
# override, merged in the same order by `reasoniqa.config.load_config`; rules write
# `--config {params.config}`, so the files after the first get their own flag.
CONFIG_FILES = list(
    dict.fromkeys(
        ["config/config.yaml"]
        + [
            os.path.relpath(f) if os.path.isabs(f) else str(f)
            for f in workflow.overwrite_configfiles
        ]
    )
)
CONFIG = " --config ".join(CONFIG_FILES)
# Software of every rule, for --use-conda (the same pins as requirements.txt).
ENV = "../../environment.yml"

from reasoniqa.instability import temperature_tag
from reasoniqa.layout import Layout
from reasoniqa.methods import get_method
from reasoniqa.records import KINDS as RECORD_KINDS
from reasoniqa.model.vision_pretrain import enabled as vision_pretrain_enabled
from reasoniqa import resources as _resources


def job_resources(rule):
    """A rule's scheduler requests (memory, runtime, GPU, partition), from reasoniqa.resources."""
    return _resources.job_resources(FULL_CONFIG, rule)


# Every path comes from reasoniqa.layout; every method property from reasoniqa.methods.
L = Layout()
METHODS = {name: get_method(name) for name in config["methods"]}
EMBEDDED = config["model"]["source"] == "embedded"
BASE = L.artifact("base_model") if EMBEDDED else config["model"]["source"]
# The embedded base is built random, then its vision tower pretrained (reasoniqa.model.vision_pretrain).
VISION_PRETRAIN = vision_pretrain_enabled(config)
BUILT_BASE = L.artifact("random_base") if VISION_PRETRAIN else BASE
SEEDS = config["seeds"]
ONE_RUN = [m for m, method in METHODS.items() if method.one_run_records]
STAGED = [m for m, method in METHODS.items() if method.stages]
DESCRIBING = [m for m, method in METHODS.items() if method.describes]


def per_method(pattern, methods=config["methods"], **wildcards):
    """`pattern` (a reasoniqa.layout path) over methods, seeds and test sets."""
    return expand(
        pattern,
        method=methods,
        seed=SEEDS,
        **wildcards,
        dataset=config["test_datasets"],
    )


PREDICTIONS = per_method(L.predictions())
CLASSICAL = config["classical"]["methods"]
CLASSICAL_MODELS = L.artifact("classical_models")
# Deterministic baselines get one file per seed (the same scores), so that paired differences pair up.
CLASSICAL_PREDICTIONS = per_method(L.predictions(), methods=CLASSICAL)
DESCRIBED_PREDICTIONS = per_method(L.predictions(), methods=DESCRIBING)
MEASURED_RATINGS = per_method(L.measured_rating(), methods=DESCRIBING)
LADDERS = config["ladder_datasets"]
LADDER_PREDICTIONS = expand(
    L.predictions(), method=config["methods"], seed=SEEDS, dataset=LADDERS
)
LADDER_MEASURED_RATINGS = expand(
    L.measured_rating(), method=DESCRIBING, seed=SEEDS, dataset=LADDERS
)

# Table 2's temperature and the temperature curve's, each sampled once.
TEMPERATURES = sorted(
    {float(t) for t in config["instability"]["temperatures"]}
    | {float(config["instability"]["temperature"])}
)
if len({temperature_tag(t) for t in TEMPERATURES}) < len(TEMPERATURES):
    raise ValueError(
        f"instability.temperatures {TEMPERATURES} must differ in their first three decimals"
    )
SAMPLES = per_method(
    L.samples(), tag=temperature_tag(config["instability"]["temperature"])
)
CURVE_SAMPLES = per_method(L.samples(), tag=[temperature_tag(t) for t in TEMPERATURES])
# One sampling job per method and seed: its outputs temperature-major, as `sample-split --out` takes them.
JOB_SAMPLES = [
    L.samples(tag=temperature_tag(t), dataset=d)
    for t in TEMPERATURES
    for d in config["test_datasets"]
]
ANALYSIS = per_method(L.analysis())
INTERVENTIONS = per_method(L.intervention(), methods=DESCRIBING)
EXAMPLE_DATASET = config["test_datasets"][0]
FIG_EXAMPLES = L.artifact("fig1")
FIG_FEATURE_QUALITY = L.artifact("feature_quality")
FIG_LENS = L.artifact("fig3")
FIG_ATTENTION = L.artifact("fig5")
TABLE_LENS = L.artifact("table4")
TABLE2 = L.artifact("table2")
TABLE1_PER_SEED = L.artifact("table1_per_seed")
TABLE_TEMPERATURE = L.artifact("temperature_table")
FIG_TEMPERATURE = L.artifact("temperature_figure")
TABLE_GROUNDING = L.artifact("table3")
TABLE_INTERVENTION = L.artifact("table5")
METRICS = L.artifact("metrics")
DESCRIPTION_ACCURACY = L.artifact("description_accuracy")
TABLE1 = L.artifact("table1")
FIG_SCATTER = L.artifact("scatter")
FIG_DATASETS = L.artifact("datasets_overview")
DATASET_COUNTS = L.artifact("dataset_counts")
TABLE_CEILING = L.artifact("ceiling")
TABLE_LADDERS = L.artifact("ladders")
ALL_DATASETS = sorted(set(config["train_datasets"]) | set(config["test_datasets"]))
# Datasets the run uses (a base config may define more than an override trains and tests on).
USED = [n for n in config["datasets"] if n in ALL_DATASETS]
SYNTHETIC = [n for n in USED if config["datasets"][n]["kind"] == "synthetic"]
REAL = [n for n in USED if config["datasets"][n]["kind"] != "synthetic"]
WITH_ATTRIBUTES = [n for n in REAL if config["datasets"][n]["kind"] == "spaq"]
CALIBRATION = L.artifact("calibration")
FEATURE_VALIDATION = L.artifact("feature_validation")
FIG_FEATURES = L.artifact("feature_figure")


wildcard_constraints:
    seed=r"\d+",
    dataset=r"[A-Za-z0-9_\-]+",
    method=r"[a-z_]+",


def one_of(names):
    """Wildcard constraint matching exactly these names (never matches when the list is empty)."""
    return "|".join(re.escape(n) for n in names) or "(?!)"


def base_model_input(wildcards=None):
    """The built embedded model folder, or nothing when the base is a hub id/local folder."""
    return [BASE] if EMBEDDED else []


def method_base(wildcards):
    """The model a method infers with: the base, or one the workflow built (two_stage's merged stage 1)."""
    return METHODS[wildcards.method].model_paths(L, wildcards.seed, BASE)[0]


def method_base_input(wildcards):
    base = method_base(wildcards)
    return [base] if base != BASE else base_model_input()


def adapter_input(wildcards):
    adapter = METHODS[wildcards.method].model_paths(L, wildcards.seed, BASE)[1]
    return [adapter] if adapter else []


def adapter_flag(wildcards):
    adapter = adapter_input(wildcards)
    return f"--adapter {adapter[0]}" if adapter else ""


def config_sections(rule):
    """The config sections `rule` reads (reasoniqa.rule_config, shared with dvc.yaml): as a param, an
    edit to any of them reruns the rule's jobs."""
    from reasoniqa.rule_config import section_values

    return lambda wildcards: section_values(rule, config, dict(wildcards.items()))
