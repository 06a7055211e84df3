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
        DESCRIPTION_ACCURACY if DESCRIBED_PREDICTIONS else [],
