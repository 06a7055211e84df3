rule synthesize:
    output:
        directory("resources/{dataset}"),
    params:
        spec=lambda w: config["datasets"][w.dataset],
    log:
        "logs/synthesize/{dataset}.log",
    shell:
        "reasoniqa synthesize --config {CONFIG} --dataset {wildcards.dataset} "
        "--out {output} --log {log}"


rule labels:
    input:
        "resources/{dataset}",
    output:
        "results/labels/{dataset}.jsonl",
    params:
        levels=config["levels"],
        prompts=config["prompts"],
    log:
        "logs/labels/{dataset}.log",
    shell:
        "reasoniqa labels --config {CONFIG} --dataset {wildcards.dataset} "
        "--data {input} --out {output} --log {log}"
