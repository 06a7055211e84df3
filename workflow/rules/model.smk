rule build_model:
    output:
        directory(BASE),
    log:
        "logs/build_model.log",
    benchmark:
        L.job_benchmark("build_model")
    conda:
        ENV
    threads: config["torch_threads"]
    resources:
        **job_resources("build_model"),
    params:
        sections=config_sections("build_model"),
        config=CONFIG,
    shell:
        "reasoniqa build-model --config {params.config} --out {output} --log {log}"
