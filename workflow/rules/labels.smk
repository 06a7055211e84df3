rule features:
    input:
        "resources/{dataset}",
    output:
        "results/features/{dataset}.csv",
    log:
        "logs/features/{dataset}.log",
    shell:
        "reasoniqa features --config {CONFIG} --data {input} --out {output} --log {log}"


rule calibrate:
    input:
        expand("results/features/{dataset}.csv", dataset=config["train_datasets"]),
    output:
        CALIBRATION,
    log:
        "logs/calibrate.log",
    shell:
        "reasoniqa calibrate --config {CONFIG} --features {input} --out {output} --log {log}"


rule labels:
    input:
        data="resources/{dataset}",
        features="results/features/{dataset}.csv",
        calibration=CALIBRATION,
    output:
        expand("results/labels/{{dataset}}/{kind}.jsonl", kind=RECORD_KINDS),
    params:
        levels=config["levels"],
        prompts=config["prompts"],
        labels=config.get("labels", {}),
        out="results/labels/{dataset}",
    log:
        "logs/labels/{dataset}.log",
    shell:
        "reasoniqa labels --config {CONFIG} --dataset {wildcards.dataset} --data {input.data} "
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
    log:
        "logs/render/feature_validation.log",
    shell:
        "reasoniqa validate-features --config {CONFIG} --data {input.data} --features {input.features} "
        "--calibration {input.calibration} --table {output.table} --figure {output.figure} --log {log}"
