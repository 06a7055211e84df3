rule features:
    input:
        L.dataset(),
    output:
        L.features(),
    log:
        "logs/features/{dataset}.log",
    conda:
        ENV
    threads: config["torch_threads"]
    resources:
        **job_resources("features"),
    params:
        config=CONFIG,
    shell:
        "reasoniqa features --config {params.config} --data {input} --out {output} --log {log}"


rule calibrate:
    input:
        expand(L.features(), dataset=config["train_datasets"]),
    output:
        CALIBRATION,
    log:
        "logs/calibrate.log",
    conda:
        ENV
    params:
        sections=config_sections("calibrate"),
        config=CONFIG,
    shell:
        "reasoniqa calibrate --config {params.config} --features {input} --out {output} --log {log}"


rule labels:
    input:
        data=L.dataset(),
        features=L.features(),
        calibration=CALIBRATION,
    output:
        expand(L.records(dataset="{{dataset}}"), kind=RECORD_KINDS),
    log:
        "logs/labels/{dataset}.log",
    conda:
        ENV
    threads: config["torch_threads"]
    resources:
        **job_resources("labels"),
    params:
        sections=config_sections("labels"),
        config=CONFIG,
        out=L.labels(),
    shell:
        "reasoniqa labels --config {params.config} --dataset {wildcards.dataset} --data {input.data} "
        "--features {input.features} --calibration {input.calibration} --out {params.out} --log {log}"


rule validate_features:
    input:
        data=expand(L.dataset(), dataset=SYNTHETIC),
        features=expand(L.features(), dataset=SYNTHETIC),
        calibration=CALIBRATION,
    output:
        table=FEATURE_VALIDATION,
        markdown=FEATURE_VALIDATION.replace(".csv", ".md"),
        html=report(
            FEATURE_VALIDATION.replace(".csv", ".html"),
            caption="../report/feature_validation.rst",
            category="Datasets",
        ),
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


rule validate_attributes:
    input:
        data=L.dataset(),
        features=L.features(),
    output:
        L.attribute_validation(),
    log:
        "logs/render/feature_validation_{dataset}.log",
    wildcard_constraints:
        dataset=one_of(WITH_ATTRIBUTES),
    conda:
        ENV
    params:
        config=CONFIG,
    shell:
        "reasoniqa validate-attributes --config {params.config} --data {input.data} --features {input.features} "
        "--table {output} --log {log}"
