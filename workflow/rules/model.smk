rule build_model:
    output:
        directory("results/models/base"),
    params:
        model=config["model"],
    log:
        "logs/build_model.log",
    shell:
        "reasoniqa build-model --config {CONFIG} --out {output} --log {log}"
