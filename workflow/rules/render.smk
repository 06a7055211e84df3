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
