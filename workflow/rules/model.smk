rule build_model:
    output:
        directory("results/models/base"),
    log:
        "logs/build_model.log",
    conda:
        ENV
    params:
        config=CONFIG,
        model=config["model"],
    shell:
        "reasoniqa build-model --config {params.config} --out {output} --log {log}"
