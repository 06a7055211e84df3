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
    params:
        train=config["train"],
        base=BASE,
        checkpoints="results/checkpoints/{method}/seed{seed}",
    threads: config["torch_threads"]
    resources:
        gpu=1,
    log:
        "logs/train/{method}/seed{seed}.log",
    shell:
        "reasoniqa train --config {CONFIG} --base {params.base} --records {input.records} "
        "--seed {wildcards.seed} --out {output} --checkpoints {params.checkpoints} --log {log}"
