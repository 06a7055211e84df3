def adapter_input(wildcards):
    if wildcards.method == "zero_shot":
        return []
    return f"results/adapters/{wildcards.method}/seed{wildcards.seed}"


def adapter_flag(wildcards):
    adapter = adapter_input(wildcards)
    return f"--adapter {adapter}" if adapter else ""


rule score_split:
    input:
        base=base_model_input,
        adapter=adapter_input,
        data="resources/{dataset}",
    output:
        "results/predictions/{method}/seed{seed}/{dataset}.csv",
    params:
        base=BASE,
        adapter=adapter_flag,
        predict=config["predict"],
    threads: config["torch_threads"]
    resources:
        gpu=1,
    log:
        "logs/predict/{method}/seed{seed}/{dataset}.log",
    shell:
        "reasoniqa score-split --config {CONFIG} --base {params.base} {params.adapter} "
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
