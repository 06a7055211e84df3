rule synthesize:
    output:
        directory("resources/{dataset}"),
    wildcard_constraints:
        dataset=one_of(SYNTHETIC),
    params:
        config=CONFIG,
        spec=lambda w: config["datasets"][w.dataset],
        test_photos=config["test_photos"],
    conda:
        ENV
    log:
        "logs/synthesize/{dataset}.log",
    shell:
        "reasoniqa synthesize --config {params.config} --dataset {wildcards.dataset} "
        "--out {output} --log {log}"


rule fetch:
    output:
        directory("resources/raw/{dataset}"),
    wildcard_constraints:
        dataset=one_of(REAL),
    params:
        config=CONFIG,
        spec=lambda w: config["datasets"][w.dataset],
        downloads="resources/downloads/{dataset}",
    conda:
        ENV
    log:
        "logs/fetch/{dataset}.log",
    shell:
        "reasoniqa fetch --config {params.config} --dataset {wildcards.dataset} --out {output} "
        "--downloads {params.downloads} --log {log}"


rule prepare:
    input:
        "resources/raw/{dataset}",
    output:
        directory("resources/{dataset}"),
    wildcard_constraints:
        dataset=one_of(REAL),
    params:
        config=CONFIG,
    conda:
        ENV
    log:
        "logs/prepare/{dataset}.log",
    shell:
        "reasoniqa prepare --config {params.config} --dataset {wildcards.dataset} --raw {input} "
        "--out {output} --log {log}"
