rule features:
    input:
        "resources/{dataset}",
    output:
        "results/features/{dataset}.csv",
    params:
        config=CONFIG,
    conda:
        ENV
    log:
        "logs/features/{dataset}.log",
    shell:
        "reasoniqa features --config {params.config} --data {input} --out {output} --log {log}"


rule calibrate:
    input:
        expand("results/features/{dataset}.csv", dataset=config["train_datasets"]),
    output:
        CALIBRATION,
    params:
        config=CONFIG,
    conda:
        ENV
    log:
        "logs/calibrate.log",
    shell:
        "reasoniqa calibrate --config {params.config} --features {input} --out {output} --log {log}"


rule labels:
    input:
        data="resources/{dataset}",
        features="results/features/{dataset}.csv",
        calibration=CALIBRATION,
    output:
        expand("results/labels/{{dataset}}/{kind}.jsonl", kind=RECORD_KINDS),
    params:
        config=CONFIG,
        levels=config["levels"],
        prompts=config["prompts"],
        labels=config.get("labels", {}),
        out="results/labels/{dataset}",
    conda:
        ENV
    log:
        "logs/labels/{dataset}.log",
    shell:
        "reasoniqa labels --config {params.config} --dataset {wildcards.dataset} --data {input.data} "
        "--features {input.features} --calibration {input.calibration} --out {params.out} --log {log}"


rule validate_features:
    input:
        data=expand("resources/{dataset}", dataset=SYNTHETIC),
        features=expand("results/features/{dataset}.csv", dataset=SYNTHETIC),
        calibration=CALIBRATION,
    output:
        table=FEATURE_VALIDATION,
        markdown=FEATURE_VALIDATION.replace(".csv", ".md"),
        figure=FIG_FEATURES,
    params:
        config=CONFIG,
    conda:
        ENV
    log:
        "logs/render/feature_validation.log",
    shell:
        "reasoniqa validate-features --config {params.config} --data {input.data} --features {input.features} "
        "--calibration {input.calibration} --table {output.table} --figure {output.figure} --log {log}"
