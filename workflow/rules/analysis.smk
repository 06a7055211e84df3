rule analyze_split:
    input:
        base=method_base_input,
        adapter=adapter_input,
        data="resources/{dataset}",
        predictions="results/predictions/{method}/seed{seed}/{dataset}.csv",
    output:
        "results/analysis/{method}/seed{seed}/{dataset}.json",
    params:
        config=CONFIG,
        base=method_base,
        adapter=adapter_flag,
        analysis=config["analysis"],
    threads: config["torch_threads"]
    resources:
        gpu=1,
    conda:
        ENV
    log:
        "logs/analysis/{method}/seed{seed}/{dataset}.log",
    shell:
        "reasoniqa analyze-split --config {params.config} --method {wildcards.method} --base {params.base} "
        "{params.adapter} --data {input.data} --split test --predictions {input.predictions} --out {output} --log {log}"


rule lens_figure:
    input:
        ANALYSIS,
    output:
        figure=FIG_LENS,
        table=TABLE_LENS,
        markdown=TABLE_LENS.replace(".csv", ".md"),
        latex=TABLE_LENS.replace(".csv", ".tex"),
    params:
        config=CONFIG,
    conda:
        ENV
    log:
        "logs/render/fig3_logit_lens.log",
    shell:
        "reasoniqa lens-figure --config {params.config} --analysis {input} --figure {output.figure} "
        "--table {output.table} --log {log}"


rule attention_figure:
    input:
        ANALYSIS,
    output:
        FIG_ATTENTION,
    params:
        config=CONFIG,
    conda:
        ENV
    log:
        "logs/render/fig5_attention.log",
    shell:
        "reasoniqa attention-figure --config {params.config} --analysis {input} --figure {output} --log {log}"
