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


# The raw folder is never an output (Snakemake deletes a job's outputs before rerunning it, and a
# dataset placed by hand must survive `--forceall`): fetch writes a receipt of it, prepare reads both.
rule fetch:
    output:
        L.fetched(),
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
        raw=L.raw(),
    shell:
        "reasoniqa fetch --config {params.config} --dataset {wildcards.dataset} --out {params.raw} "
        "--downloads {params.downloads} --receipt {output} --log {log}"


rule prepare:
    input:
        receipt=L.fetched(),
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
        raw=L.raw(),
    shell:
        "reasoniqa prepare --config {params.config} --dataset {wildcards.dataset} --raw {params.raw} "
        "--receipt {input.receipt} --out {output} --log {log}"
