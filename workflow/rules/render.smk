rule plot_scatter:
    input:
        PREDICTIONS,
    output:
        FIG_SCATTER,
    params:
        config=CONFIG,
    conda:
        ENV
    log:
        "logs/render/scatter_pred_vs_mos.log",
    shell:
        "reasoniqa plot-scatter --config {params.config} --predictions {input} --out {output} --log {log}"


rule datasets_overview:
    input:
        expand("resources/{dataset}", dataset=ALL_DATASETS),
    output:
        table=DATASET_COUNTS,
        markdown=DATASET_COUNTS.replace(".csv", ".md"),
        figure=FIG_DATASETS,
    params:
        config=CONFIG,
    conda:
        ENV
    log:
        "logs/render/datasets_overview.log",
    shell:
        "reasoniqa datasets-overview --config {params.config} --data {input} --table {output.table} "
        "--figure {output.figure} --log {log}"


rule examples_figure:
    input:
        predictions=expand(
            "results/predictions/{method}/seed{seed}/{dataset}.csv",
            method=DESCRIBING,
            seed=SEEDS[0],
            dataset=EXAMPLE_DATASET,
        ),
        samples=expand(
            "results/samples/{method}/seed{seed}/{dataset}.jsonl",
            method=DESCRIBING,
            seed=SEEDS[0],
            dataset=EXAMPLE_DATASET,
        ),
        data=f"resources/{EXAMPLE_DATASET}",
    output:
        FIG_EXAMPLES,
    params:
        config=CONFIG,
    conda:
        ENV
    log:
        "logs/render/fig1_examples.log",
    shell:
        "reasoniqa examples-figure --config {params.config} --predictions {input.predictions} "
        "--samples {input.samples} --data {input.data} --out {output} --log {log}"


rule feature_quality_figure:
    input:
        DESCRIBED_PREDICTIONS,
    output:
        FIG_FEATURE_QUALITY,
    params:
        config=CONFIG,
    conda:
        ENV
    log:
        "logs/render/feature_vs_quality.log",
    shell:
        "reasoniqa feature-quality-figure --config {params.config} --predictions {input} --out {output} --log {log}"
