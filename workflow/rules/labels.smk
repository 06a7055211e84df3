rule features:
    input:
        "resources/{dataset}",
    output:
        "results/features/{dataset}.csv",
    log:
        "logs/features/{dataset}.log",
    conda:
        ENV
    params:
        config=CONFIG,
    shell:
        "reasoniqa features --config {params.config} --data {input} --out {output} --log {log}"


rule calibrate:
    input:
        expand("results/features/{dataset}.csv", dataset=config["train_datasets"]),
    output:
        CALIBRATION,
    log:
        "logs/calibrate.log",
    conda:
        ENV
    params:
        config=CONFIG,
    shell:
        "reasoniqa calibrate --config {params.config} --features {input} --out {output} --log {log}"


rule labels:
    input:
        data="resources/{dataset}",
        features="results/features/{dataset}.csv",
        calibration=CALIBRATION,
    output:
        expand("results/labels/{{dataset}}/{kind}.jsonl", kind=RECORD_KINDS),
    log:
        "logs/labels/{dataset}.log",
    conda:
        ENV
    params:
        sections=config_sections("labels"),
        config=CONFIG,
        out="results/labels/{dataset}",
    shell:
        "reasoniqa labels --config {params.config} --dataset {wildcards.dataset} --data {input.data} "
        "--features {input.features} --calibration {input.calibration} --out {params.out} --log {log}"


rule validate_features:
    input:
        data=expand("resources/{dataset}", dataset=SYNTHETIC),
        features=expand("results/features/{dataset}.csv", dataset=SYNTHETIC),
        calibration=CALIBRATION,
    output:
        table=report(
            FEATURE_VALIDATION,
            caption="../report/feature_validation.rst",
            category="Datasets",
        ),
        markdown=FEATURE_VALIDATION.replace(".csv", ".md"),
        figure=report(
            FIG_FEATURES,
            caption="../report/feature_validation.rst",
            category="Datasets",
        ),
    log:
        "logs/render/feature_validation.log",
    conda:
        ENV
    params:
        config=CONFIG,
    shell:
        "reasoniqa validate-features --config {params.config} --data {input.data} --features {input.features} "
        "--calibration {input.calibration} --table {output.table} --figure {output.figure} --log {log}"
