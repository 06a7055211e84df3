def method_base(wildcards):
    """The model a method scores with: the base, or for two_stage the merged stage-1 model."""
    if wildcards.method == "two_stage":
        return f"results/models/two_stage/seed{wildcards.seed}/stage1_merged"
    return BASE


def method_base_input(wildcards):
    return [method_base(wildcards)] if wildcards.method == "two_stage" else base_model_input()


def adapter_input(wildcards):
    if wildcards.method == "zero_shot":
        return []
    if wildcards.method == "two_stage":
        return f"results/adapters/two_stage/seed{wildcards.seed}/stage2"
    return f"results/adapters/{wildcards.method}/seed{wildcards.seed}"


def adapter_flag(wildcards):
    adapter = adapter_input(wildcards)
    return f"--adapter {adapter}" if adapter else ""


rule score_split:
    input:
        base=method_base_input,
        adapter=adapter_input,
        data="resources/{dataset}",
    output:
        "results/predictions/{method}/seed{seed}/{dataset}.csv",
    params:
        base=method_base,
        adapter=adapter_flag,
        predict=config["predict"],
    threads: config["torch_threads"]
    resources:
        gpu=1,
    log:
        "logs/predict/{method}/seed{seed}/{dataset}.log",
    shell:
        "reasoniqa score-split --config {CONFIG} --method {wildcards.method} --base {params.base} {params.adapter} "
        "--data {input.data} --split test --out {output} --log {log}"


rule evaluate:
    input:
        PREDICTIONS,
    output:
        table=TABLE1,
        markdown=TABLE1.replace(".csv", ".md"),
        metrics="results/metrics.json",
    log:
        "logs/evaluate.log",
    shell:
        "reasoniqa evaluate --config {CONFIG} --predictions {input} "
        "--table {output.table} --metrics {output.metrics} --log {log}"


rule description_accuracy:
    input:
        predictions=DESCRIBED_PREDICTIONS,
        features=expand("results/features/{dataset}.csv", dataset=config["test_datasets"]),
        calibration=CALIBRATION,
    output:
        table=DESCRIPTION_ACCURACY,
        markdown=DESCRIPTION_ACCURACY.replace(".csv", ".md"),
    log:
        "logs/description_accuracy.log",
    shell:
        "reasoniqa description-accuracy --config {CONFIG} --predictions {input.predictions} "
        "--features {input.features} --calibration {input.calibration} --table {output.table} --log {log}"
