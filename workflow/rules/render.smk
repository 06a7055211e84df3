rule plot_scatter:
    input:
        PREDICTIONS,
    output:
        report(FIG_SCATTER, caption="../report/scatter.rst", category="Figures"),
    log:
        "logs/render/scatter_pred_vs_mos.log",
    conda:
        ENV
    params:
        config=CONFIG,
    shell:
        "reasoniqa plot-scatter --config {params.config} --predictions {input} --out {output} --log {log}"


rule datasets_overview:
    input:
        expand(L.dataset(), dataset=ALL_DATASETS),
    output:
        table=DATASET_COUNTS,
        markdown=DATASET_COUNTS.replace(".csv", ".md"),
        html=report(
            DATASET_COUNTS.replace(".csv", ".html"),
            caption="../report/datasets.rst",
            category="Datasets",
        ),
        figure=report(
            FIG_DATASETS, caption="../report/datasets.rst", category="Datasets"
        ),
    log:
        "logs/render/datasets_overview.log",
    conda:
        ENV
    params:
        sections=config_sections("datasets_overview"),
        config=CONFIG,
    shell:
        "reasoniqa datasets-overview --config {params.config} --data {input} --table {output.table} "
        "--figure {output.figure} --log {log}"


rule examples_figure:
    input:
        predictions=expand(
            L.predictions(),
            method=DESCRIBING,
            seed=SEEDS[0],
            dataset=EXAMPLE_DATASET,
        ),
        samples=expand(
            L.samples(),
            method=DESCRIBING,
            seed=SEEDS[0],
            tag=temperature_tag(config["instability"]["temperature"]),
            dataset=EXAMPLE_DATASET,
        ),
        data=L.dataset(EXAMPLE_DATASET),
    output:
        report(FIG_EXAMPLES, caption="../report/fig1.rst", category="Figures"),
    log:
        "logs/render/fig1_examples.log",
    conda:
        ENV
    params:
        sections=config_sections("examples_figure"),
        config=CONFIG,
    shell:
        "reasoniqa examples-figure --config {params.config} --predictions {input.predictions} "
        "--samples {input.samples} --data {input.data} --out {output} --log {log}"


rule feature_quality_figure:
    input:
        DESCRIBED_PREDICTIONS,
    output:
        report(
            FIG_FEATURE_QUALITY,
            caption="../report/feature_quality.rst",
            category="Figures",
        ),
    log:
        "logs/render/feature_vs_quality.log",
    conda:
        ENV
    params:
        sections=config_sections("feature_quality_figure"),
        config=CONFIG,
    shell:
        "reasoniqa feature-quality-figure --config {params.config} --predictions {input} --out {output} --log {log}"
