rule synthesize:
    output:
        directory(L.dataset()),
    log:
        "logs/synthesize/{dataset}.log",
    wildcard_constraints:
        dataset=one_of(SYNTHETIC + LADDERS),
    conda:
        ENV
    resources:
        **job_resources("synthesize"),
    params:
        sections=config_sections("synthesize"),
        config=CONFIG,
    shell:
        "reasoniqa synthesize --config {params.config} --dataset {wildcards.dataset} "
        "--out {output} --log {log}"


rule fetch:
    output:
        directory(L.raw()),
    log:
        "logs/fetch/{dataset}.log",
    wildcard_constraints:
        dataset=one_of(REAL),
    conda:
        ENV
    params:
        sections=config_sections("fetch"),
        config=CONFIG,
        downloads=L.downloads(),
    shell:
        "reasoniqa fetch --config {params.config} --dataset {wildcards.dataset} --out {output} "
        "--downloads {params.downloads} --log {log}"


rule prepare:
    input:
        L.raw(),
    output:
        directory(L.dataset()),
    log:
        "logs/prepare/{dataset}.log",
    wildcard_constraints:
        dataset=one_of(REAL),
    conda:
        ENV
    resources:
        **job_resources("prepare"),
    params:
        sections=config_sections("prepare"),
        config=CONFIG,
    shell:
        "reasoniqa prepare --config {params.config} --dataset {wildcards.dataset} --raw {input} "
        "--out {output} --log {log}"
