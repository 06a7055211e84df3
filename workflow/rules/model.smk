rule build_model:
    output:
        directory("results/models/base"),
    params:
        config=CONFIG,
        model=config["model"],
    conda:
        ENV
    log:
        "logs/build_model.log",
    shell:
        "reasoniqa build-model --config {params.config} --out {output} --log {log}"
