# One-stage methods (image -> level; image -> description + level): the whole budget in one LoRA run.
rule train:
    input:
        base=base_model_input,
        records=lambda w: expand(
            "results/labels/{dataset}/{kind}.jsonl",
            dataset=config["train_datasets"],
            kind=w.method,
        ),
    output:
        directory("results/adapters/{method}/seed{seed}"),
    log:
        "logs/train/{method}/seed{seed}.log",
    wildcard_constraints:
        method="one_stage|one_stage_desc",
    conda:
        ENV
    threads: config["torch_threads"]
    resources:
        gpu=1,
    params:
        sections=config_sections("train"),
        config=CONFIG,
        base=BASE,
        checkpoints="results/checkpoints/{method}/seed{seed}",
    shell:
        "reasoniqa train --config {params.config} --stage one_stage --base {params.base} "
        "--records {input.records} --seed {wildcards.seed} --out {output} "
        "--checkpoints {params.checkpoints} --log {log}"


# Two-stage tuning. Stage 1: image -> description of visual features.
rule train_stage1:
    input:
        base=base_model_input,
        records=expand(
            "results/labels/{dataset}/stage1.jsonl", dataset=config["train_datasets"]
        ),
    output:
        directory("results/adapters/two_stage/seed{seed}/stage1"),
    log:
        "logs/train/two_stage/seed{seed}/stage1.log",
    conda:
        ENV
    threads: config["torch_threads"]
    resources:
        gpu=1,
    params:
        sections=config_sections("train_stage1"),
        config=CONFIG,
        base=BASE,
        checkpoints="results/checkpoints/two_stage/seed{seed}/stage1",
    shell:
        "reasoniqa train --config {params.config} --stage stage1 --base {params.base} "
        "--records {input.records} --seed {wildcards.seed} --out {output} "
        "--checkpoints {params.checkpoints} --log {log}"


rule merge_stage1:
    input:
        base=base_model_input,
        adapter="results/adapters/two_stage/seed{seed}/stage1",
    output:
        directory("results/models/two_stage/seed{seed}/stage1_merged"),
    log:
        "logs/train/two_stage/seed{seed}/merge.log",
    conda:
        ENV
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
        base="results/models/two_stage/seed{seed}/stage1_merged",
        records=expand(
            "results/labels/{dataset}/stage2.jsonl", dataset=config["train_datasets"]
        ),
    output:
        directory("results/adapters/two_stage/seed{seed}/stage2"),
    log:
        "logs/train/two_stage/seed{seed}/stage2.log",
    conda:
        ENV
    threads: config["torch_threads"]
    resources:
        gpu=1,
    params:
        sections=config_sections("train_stage2"),
        config=CONFIG,
        checkpoints="results/checkpoints/two_stage/seed{seed}/stage2",
    shell:
        "reasoniqa train --config {params.config} --stage stage2 --base {input.base} "
        "--records {input.records} --seed {wildcards.seed} --out {output} "
        "--checkpoints {params.checkpoints} --log {log}"
