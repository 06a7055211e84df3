# Methods trained in one LoRA run (one_stage, one_stage_desc): the whole budget on their own records.
rule train:
    input:
        base=base_model_input,
        records=lambda w: expand(
            L.records(),
            dataset=config["train_datasets"],
            kind=METHODS[w.method].one_run_records,
        ),
    output:
        directory(L.adapter()),
    log:
        "logs/train/{method}/seed{seed}.log",
    benchmark:
        L.job_benchmark("train", "{method}", "seed{seed}")
    wildcard_constraints:
        method=one_of(ONE_RUN),
    conda:
        ENV
    threads: config["torch_threads"]
    resources:
        **job_resources("train"),
    params:
        sections=config_sections("train"),
        config=CONFIG,
        base=BASE,
        checkpoints=L.checkpoints(),
    shell:
        "reasoniqa train --config {params.config} --stage one_stage --base {params.base} "
        "--records {input.records} --seed {wildcards.seed} --out {output} "
        "--checkpoints {params.checkpoints} --log {log}"


# Methods trained in stages (two_stage). Stage 1: image -> description of visual features.
rule train_stage1:
    input:
        base=base_model_input,
        records=expand(L.records(kind="stage1"), dataset=config["train_datasets"]),
    output:
        directory(L.stage_adapter(stage="stage1")),
    log:
        "logs/train/{method}/seed{seed}/stage1.log",
    benchmark:
        L.job_benchmark("train_stage1", "{method}", "seed{seed}")
    wildcard_constraints:
        method=one_of(STAGED),
    conda:
        ENV
    threads: config["torch_threads"]
    resources:
        **job_resources("train_stage1"),
    params:
        sections=config_sections("train_stage1"),
        config=CONFIG,
        base=BASE,
        checkpoints=L.checkpoints(stage="stage1"),
    shell:
        "reasoniqa train --config {params.config} --stage stage1 --base {params.base} "
        "--records {input.records} --seed {wildcards.seed} --out {output} "
        "--checkpoints {params.checkpoints} --log {log}"


rule merge_stage1:
    input:
        base=base_model_input,
        adapter=L.stage_adapter(stage="stage1"),
    output:
        directory(L.merged_model(stage="stage1")),
    log:
        "logs/train/{method}/seed{seed}/merge.log",
    benchmark:
        L.job_benchmark("merge_stage1", "{method}", "seed{seed}")
    wildcard_constraints:
        method=one_of(STAGED),
    conda:
        ENV
    threads: config["torch_threads"]
    resources:
        **job_resources("merge_stage1"),
    params:
        sections=config_sections("merge_stage1"),
        config=CONFIG,
        base=BASE,
    shell:
        "reasoniqa merge --config {params.config} --base {params.base} --adapter {input.adapter} "
        "--out {output} --log {log}"


# Stage 2: description (no image) -> quality level, on top of the merged stage-1 model.
rule train_stage2:
    input:
        base=L.merged_model(stage="stage1"),
        records=expand(L.records(kind="stage2"), dataset=config["train_datasets"]),
    output:
        directory(L.stage_adapter(stage="stage2")),
    log:
        "logs/train/{method}/seed{seed}/stage2.log",
    benchmark:
        L.job_benchmark("train_stage2", "{method}", "seed{seed}")
    wildcard_constraints:
        method=one_of(STAGED),
    conda:
        ENV
    threads: config["torch_threads"]
    resources:
        **job_resources("train_stage2"),
    params:
        sections=config_sections("train_stage2"),
        config=CONFIG,
        checkpoints=L.checkpoints(stage="stage2"),
    shell:
        "reasoniqa train --config {params.config} --stage stage2 --base {input.base} "
        "--records {input.records} --seed {wildcards.seed} --out {output} "
        "--checkpoints {params.checkpoints} --log {log}"
