rule plot_scatter:
    input:
        PREDICTIONS,
    output:
        FIG_SCATTER,
    log:
        "logs/render/scatter_pred_vs_mos.log",
    shell:
        "reasoniqa plot-scatter --config {CONFIG} --predictions {input} --out {output} --log {log}"
