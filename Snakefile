# reasoniqa workflow: a table of contents. Each rule calls one `reasoniqa <step>`; logic lives in src/.
# Run: snakemake --cores all --resources gpu=1     (dvc.yaml is generated from this DAG: see README)


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/labels.smk"
include: "workflow/rules/model.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/predict.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/analysis.smk"
include: "workflow/rules/render.smk"


rule all:
    input:
        TABLE1,
        TABLE2,
        TABLE_TEMPERATURE,
        FIG_LENS,
        FIG_EXAMPLES if DESCRIBING else [],
        FIG_FEATURE_QUALITY if DESCRIBING else [],
        FIG_ATTENTION,
        TABLE_GROUNDING if DESCRIBED_PREDICTIONS else [],
        TABLE_INTERVENTION if DESCRIBED_PREDICTIONS else [],
        METRICS if DESCRIBED_PREDICTIONS else [],
        FIG_SCATTER,
        FIG_DATASETS,
        FIG_FEATURES if SYNTHETIC else [],
        expand(L.attribute_validation(), dataset=WITH_ATTRIBUTES),
        DESCRIPTION_ACCURACY if DESCRIBED_PREDICTIONS else [],
        TABLE_CEILING if DESCRIBED_PREDICTIONS else [],
        TABLE_LADDERS if LADDERS else [],


# Jobs of seconds (tables, figures, merges) and the download (login nodes reach the internet, compute
# nodes often do not) run on the submitting machine, not as cluster jobs.
localrules:
    all,
    fetch,
    calibrate,
    correlations,
    instability,
    instability_curve,
    grounding,
    intervention,
    metrics,
    description_accuracy,
    ceiling,
    ladders,
    validate_features,
    validate_attributes,
    lens_figure,
    attention_figure,
    examples_figure,
    feature_quality_figure,
    plot_scatter,
    datasets_overview,
