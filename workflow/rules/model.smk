rule build_model:
    output:
        directory(BUILT_BASE),
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


if VISION_PRETRAIN:

    rule pretrain_vision:
        input:
            base=BUILT_BASE,
            data=expand(L.dataset(), dataset=config["train_datasets"]),
            features=expand(L.features(), dataset=config["train_datasets"]),
        output:
            directory(BASE),
        log:
            "logs/pretrain_vision.log",
        benchmark:
            L.job_benchmark("pretrain_vision")
        conda:
            ENV
        threads: config["torch_threads"]
        resources:
            **job_resources("pretrain_vision"),
        params:
            sections=config_sections("pretrain_vision"),
            config=CONFIG,
        shell:
            "reasoniqa pretrain-vision --config {params.config} --base {input.base} --data {input.data} "
            "--features {input.features} --out {output} --log {log}"
