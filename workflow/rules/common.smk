import re

from snakemake.utils import validate

# `--config seeds=[0,1,2]` hands the items over as strings; seeds are integers everywhere else.
if isinstance(config.get("seeds"), list):
    config["seeds"] = [
        int(s) if isinstance(s, str) and s.isdigit() else s for s in config["seeds"]
    ]
validate(config, "../schemas/config.schema.yaml")

# The config file the steps read: the last --configfile given on the command line, else the default.
CONFIG = (
    str(workflow.overwrite_configfiles[-1])
    if workflow.overwrite_configfiles
    else "config/config.yaml"
)
CONFIG = os.path.relpath(CONFIG) if os.path.isabs(CONFIG) else CONFIG
# Software of every rule, for --use-conda (the same pins as requirements.txt).
ENV = "../../environment.yml"
EMBEDDED = config["model"]["source"] == "embedded"
BASE = "results/models/base" if EMBEDDED else config["model"]["source"]
TRAINED = [m for m in config["methods"] if m != "zero_shot"]
SEEDS = config["seeds"]

PREDICTIONS = expand(
    "results/predictions/{method}/seed{seed}/{dataset}.csv",
    method=config["methods"],
    seed=SEEDS,
    dataset=config["test_datasets"],
)
CLASSICAL = config["classical"]["methods"]
CLASSICAL_MODELS = "results/baselines/classical"
# Deterministic baselines get one file per seed (the same scores), so that paired differences pair up.
CLASSICAL_PREDICTIONS = expand(
    "results/predictions/{method}/seed{seed}/{dataset}.csv",
    method=CLASSICAL,
    seed=SEEDS,
    dataset=config["test_datasets"],
)
DESCRIBED_PREDICTIONS = expand(
    "results/predictions/{method}/seed{seed}/{dataset}.csv",
    method=[m for m in config["methods"] if m in ("one_stage_desc", "two_stage")],
    seed=SEEDS,
    dataset=config["test_datasets"],
)


from reasoniqa.instability import temperature_tag

# Table 2's temperature and the temperature curve's, each sampled once.
TEMPERATURES = sorted(
    {float(t) for t in config["instability"]["temperatures"]}
    | {float(config["instability"]["temperature"])}
)
if len({temperature_tag(t) for t in TEMPERATURES}) < len(TEMPERATURES):
    raise ValueError(
        f"instability.temperatures {TEMPERATURES} must differ in their first three decimals"
    )
SAMPLE_FILES = "results/samples/{method}/seed{seed}/{tag}/{dataset}.jsonl"
SAMPLES = expand(
    SAMPLE_FILES,
    method=config["methods"],
    seed=SEEDS,
    tag=temperature_tag(config["instability"]["temperature"]),
    dataset=config["test_datasets"],
)
CURVE_SAMPLES = expand(
    SAMPLE_FILES,
    method=config["methods"],
    seed=SEEDS,
    tag=[temperature_tag(t) for t in TEMPERATURES],
    dataset=config["test_datasets"],
)
# One sampling job per method and seed: its outputs temperature-major, as `sample-split --out` takes them.
JOB_SAMPLES = [
    SAMPLE_FILES.format(
        method="{method}", seed="{seed}", tag=temperature_tag(t), dataset=d
    )
    for t in TEMPERATURES
    for d in config["test_datasets"]
]
ANALYSIS = expand(
    "results/analysis/{method}/seed{seed}/{dataset}.json",
    method=config["methods"],
    seed=SEEDS,
    dataset=config["test_datasets"],
)
DESCRIBING = [m for m in config["methods"] if m in ("one_stage_desc", "two_stage")]
INTERVENTIONS = expand(
    "results/intervention/{method}/seed{seed}/{dataset}.csv",
    method=DESCRIBING,
    seed=SEEDS,
    dataset=config["test_datasets"],
)
EXAMPLE_DATASET = config["test_datasets"][0]
FIG_EXAMPLES = "results/figures/fig1_examples.png"
FIG_FEATURE_QUALITY = "results/figures/feature_vs_quality.png"
FIG_LENS = "results/figures/fig3_logit_lens.png"
FIG_ATTENTION = "results/figures/fig5_attention.png"
TABLE_LENS = "results/tables/table4_logit_lens.csv"
TABLE2 = "results/tables/table2_instability.csv"
TABLE1_PER_SEED = "results/tables/table1_per_seed.csv"
TABLE_TEMPERATURE = "results/tables/instability_temperature.csv"
FIG_TEMPERATURE = "results/figures/instability_temperature.png"
TABLE_GROUNDING = "results/tables/table3_grounding.csv"
TABLE_INTERVENTION = "results/tables/table5_intervention.csv"
METRICS = "results/metrics.json"
DESCRIPTION_ACCURACY = "results/tables/stage1_feature_accuracy.csv"
TABLE1 = "results/tables/table1_correlations.csv"
FIG_SCATTER = "results/figures/scatter_pred_vs_mos.png"
FIG_DATASETS = "results/figures/datasets_overview.png"
DATASET_COUNTS = "results/tables/dataset_counts.csv"
SYNTHETIC = [n for n, s in config["datasets"].items() if s["kind"] == "synthetic"]
REAL = [n for n, s in config["datasets"].items() if s["kind"] != "synthetic"]
CALIBRATION = "results/labels/calibration.json"
RECORD_KINDS = ["one_stage", "one_stage_desc", "stage1", "stage2"]
FEATURE_VALIDATION = "results/tables/feature_validation.csv"
FIG_FEATURES = "results/figures/feature_validation.png"
ALL_DATASETS = sorted(set(config["train_datasets"]) | set(config["test_datasets"]))


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
    """The model a method scores with: the base, or for two_stage the merged stage-1 model."""
    if wildcards.method == "two_stage":
        return f"results/models/two_stage/seed{wildcards.seed}/stage1_merged"
    return BASE


def method_base_input(wildcards):
    return (
        [method_base(wildcards)]
        if wildcards.method == "two_stage"
        else base_model_input()
    )


def adapter_input(wildcards):
    if wildcards.method == "zero_shot":
        return []
    if wildcards.method == "two_stage":
        return f"results/adapters/two_stage/seed{wildcards.seed}/stage2"
    return f"results/adapters/{wildcards.method}/seed{wildcards.seed}"


def adapter_flag(wildcards):
    adapter = adapter_input(wildcards)
    return f"--adapter {adapter}" if adapter else ""


def config_sections(rule):
    """The config sections `rule` reads (reasoniqa.rule_config, shared with dvc.yaml): as a param, an
    edit to any of them reruns the rule's jobs."""
    from reasoniqa.rule_config import section_values

    return lambda wildcards: section_values(rule, config, dict(wildcards.items()))
