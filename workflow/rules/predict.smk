rule score_split:
    input:
        base=method_base_input,
        adapter=adapter_input,
        data="resources/{dataset}",
    output:
        "results/predictions/{method}/seed{seed}/{dataset}.csv",
    params:
        config=CONFIG,
        base=method_base,
        adapter=adapter_flag,
        predict=config["predict"],
    threads: config["torch_threads"]
    resources:
        gpu=1,
    conda:
        ENV
    log:
        "logs/predict/{method}/seed{seed}/{dataset}.log",
    shell:
        "reasoniqa score-split --config {params.config} --method {wildcards.method} --base {params.base} {params.adapter} "
        "--data {input.data} --split test --out {output} --log {log}"


rule sample_split:
    input:
        base=method_base_input,
        adapter=adapter_input,
        data="resources/{dataset}",
    output:
        "results/samples/{method}/seed{seed}/{dataset}.jsonl",
    params:
        config=CONFIG,
        base=method_base,
        adapter=adapter_flag,
        instability=config["instability"],
    threads: config["torch_threads"]
    resources:
        gpu=1,
    conda:
        ENV
    log:
        "logs/samples/{method}/seed{seed}/{dataset}.log",
    shell:
        "reasoniqa sample-split --config {params.config} --method {wildcards.method} --base {params.base} {params.adapter} "
        "--data {input.data} --split test --out {output} --log {log}"


rule description_accuracy:
    input:
        predictions=DESCRIBED_PREDICTIONS,
        features=expand("results/features/{dataset}.csv", dataset=config["test_datasets"]),
        calibration=CALIBRATION,
    output:
        table=DESCRIPTION_ACCURACY,
        markdown=DESCRIPTION_ACCURACY.replace(".csv", ".md"),
    params:
        config=CONFIG,
    conda:
        ENV
    log:
        "logs/description_accuracy.log",
    shell:
        "reasoniqa description-accuracy --config {params.config} --predictions {input.predictions} "
        "--features {input.features} --calibration {input.calibration} --table {output.table} --log {log}"
