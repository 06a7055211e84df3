rule score_split:
    input:
        base=method_base_input,
        adapter=adapter_input,
        data="resources/{dataset}",
    output:
        "results/predictions/{method}/seed{seed}/{dataset}.csv",
    log:
        "logs/predict/{method}/seed{seed}/{dataset}.log",
    conda:
        ENV
    threads: config["torch_threads"]
    resources:
        gpu=1,
    params:
        sections=config_sections("score_split"),
        config=CONFIG,
        base=method_base,
        adapter=adapter_flag,
    shell:
        "reasoniqa score-split --config {params.config} --method {wildcards.method} --base {params.base} {params.adapter} "
        "--data {input.data} --split test --out {output} --log {log}"


# One job per method and seed covers every test set: the model loads once (each job start costs
# ~5 s of imports, measured in benchmarks/).
rule sample_split:
    input:
        base=method_base_input,
        adapter=adapter_input,
        data=expand("resources/{dataset}", dataset=config["test_datasets"]),
    output:
        JOB_SAMPLES,
    log:
        "logs/samples/{method}/seed{seed}.log",
    conda:
        ENV
    threads: config["torch_threads"]
    resources:
        gpu=1,
    params:
        sections=config_sections("sample_split"),
        config=CONFIG,
        base=method_base,
        adapter=adapter_flag,
        temperatures=TEMPERATURES,
    shell:
        "reasoniqa sample-split --config {params.config} --method {wildcards.method} --base {params.base} {params.adapter} "
        "--data {input.data} --split test --temperatures {params.temperatures} --out {output} --log {log}"


rule description_accuracy:
    input:
        predictions=DESCRIBED_PREDICTIONS,
        features=expand(
            "results/features/{dataset}.csv", dataset=config["test_datasets"]
        ),
        calibration=CALIBRATION,
    output:
        table=report(
            DESCRIPTION_ACCURACY,
            caption="../report/stage1_accuracy.rst",
            category="Tables",
        ),
        markdown=DESCRIPTION_ACCURACY.replace(".csv", ".md"),
    log:
        "logs/description_accuracy.log",
    conda:
        ENV
    params:
        config=CONFIG,
    shell:
        "reasoniqa description-accuracy --config {params.config} --predictions {input.predictions} "
        "--features {input.features} --calibration {input.calibration} --table {output.table} --log {log}"
