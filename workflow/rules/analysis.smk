# One job per method and seed covers every test set (one model load), as for sampling.
rule analyze_split:
    input:
        base=method_base_input,
        adapter=adapter_input,
        data=expand(L.dataset(), dataset=config["test_datasets"]),
        predictions=expand(
            L.predictions(method="{{method}}", seed="{{seed}}"),
            dataset=config["test_datasets"],
        ),
    output:
        expand(
            L.analysis(method="{{method}}", seed="{{seed}}"),
            dataset=config["test_datasets"],
        ),
    log:
        "logs/analysis/{method}/seed{seed}.log",
    benchmark:
        L.job_benchmark("analyze_split", "{method}", "seed{seed}")
    conda:
        ENV
    threads: config["torch_threads"]
    resources:
        **job_resources("analyze_split"),
    params:
        sections=config_sections("analyze_split"),
        config=CONFIG,
        base=method_base,
        adapter=adapter_flag,
    shell:
        "reasoniqa analyze-split --config {params.config} --method {wildcards.method} --base {params.base} "
        "{params.adapter} --data {input.data} --split test --predictions {input.predictions} --out {output} --log {log}"


# The describing methods only: their own descriptions, edited one feature at a time.
rule intervene_split:
    input:
        base=method_base_input,
        adapter=adapter_input,
        data=expand(L.dataset(), dataset=config["test_datasets"]),
        predictions=expand(
            L.predictions(method="{{method}}", seed="{{seed}}"),
            dataset=config["test_datasets"],
        ),
    output:
        expand(
            L.intervention(method="{{method}}", seed="{{seed}}"),
            dataset=config["test_datasets"],
        ),
    log:
        "logs/intervention/{method}/seed{seed}.log",
    benchmark:
        L.job_benchmark("intervene_split", "{method}", "seed{seed}")
    wildcard_constraints:
        method=one_of(DESCRIBING),
    conda:
        ENV
    threads: config["torch_threads"]
    resources:
        **job_resources("intervene_split"),
    params:
        sections=config_sections("intervene_split"),
        config=CONFIG,
        base=method_base,
        adapter=adapter_flag,
    shell:
        "reasoniqa intervene-split --config {params.config} --method {wildcards.method} --base {params.base} "
        "{params.adapter} --data {input.data} --split test --predictions {input.predictions} --out {output} --log {log}"


rule lens_figure:
    input:
        ANALYSIS,
    output:
        figure=report(FIG_LENS, caption="../report/fig3.rst", category="Figures"),
        table=TABLE_LENS,
        markdown=TABLE_LENS.replace(".csv", ".md"),
        html=report(
            TABLE_LENS.replace(".csv", ".html"),
            caption="../report/lens_table.rst",
            category="Tables",
        ),
        latex=TABLE_LENS.replace(".csv", ".tex"),
    log:
        "logs/render/fig3_logit_lens.log",
    conda:
        ENV
    params:
        sections=config_sections("lens_figure"),
        config=CONFIG,
    shell:
        "reasoniqa lens-figure --config {params.config} --analysis {input} --figure {output.figure} "
        "--table {output.table} --log {log}"


rule attention_figure:
    input:
        ANALYSIS,
    output:
        report(FIG_ATTENTION, caption="../report/fig5.rst", category="Figures"),
    log:
        "logs/render/fig5_attention.log",
    conda:
        ENV
    params:
        config=CONFIG,
    shell:
        "reasoniqa attention-figure --config {params.config} --analysis {input} --figure {output} --log {log}"
