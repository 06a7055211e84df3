rule correlations:
    input:
        PREDICTIONS,
        CLASSICAL_PREDICTIONS,
    output:
        table=TABLE1,
        markdown=TABLE1.replace(".csv", ".md"),
        html=report(
            TABLE1.replace(".csv", ".html"),
            caption="../report/table1.rst",
            category="Tables",
        ),
        latex=TABLE1.replace(".csv", ".tex"),
        metrics=L.metrics_part("correlations"),
        plot=L.plot_data("correlations"),
        per_seed=TABLE1_PER_SEED,
        per_seed_markdown=TABLE1_PER_SEED.replace(".csv", ".md"),
        per_seed_html=TABLE1_PER_SEED.replace(".csv", ".html"),
    log:
        "logs/evaluate/correlations.log",
    conda:
        ENV
    params:
        sections=config_sections("correlations"),
        config=CONFIG,
    shell:
        "reasoniqa correlations --config {params.config} --predictions {input} "
        "--table {output.table} --metrics {output.metrics} --plot {output.plot} --per-seed {output.per_seed} --log {log}"


rule instability:
    input:
        SAMPLES,
    output:
        table=TABLE2,
        markdown=TABLE2.replace(".csv", ".md"),
        html=report(
            TABLE2.replace(".csv", ".html"),
            caption="../report/table2.rst",
            category="Tables",
        ),
        latex=TABLE2.replace(".csv", ".tex"),
        metrics=L.metrics_part("instability"),
        plot=L.plot_data("instability"),
    log:
        "logs/evaluate/instability.log",
    conda:
        ENV
    params:
        sections=config_sections("instability"),
        config=CONFIG,
    shell:
        "reasoniqa instability --config {params.config} --samples {input} "
        "--table {output.table} --metrics {output.metrics} --plot {output.plot} --log {log}"


rule instability_curve:
    input:
        CURVE_SAMPLES,
    output:
        table=TABLE_TEMPERATURE,
        markdown=TABLE_TEMPERATURE.replace(".csv", ".md"),
        html=report(
            TABLE_TEMPERATURE.replace(".csv", ".html"),
            caption="../report/temperature.rst",
            category="Tables",
        ),
        figure=report(
            FIG_TEMPERATURE, caption="../report/temperature.rst", category="Figures"
        ),
    log:
        "logs/evaluate/instability_curve.log",
    conda:
        ENV
    params:
        sections=config_sections("instability_curve"),
        config=CONFIG,
    shell:
        "reasoniqa instability-curve --config {params.config} --samples {input} "
        "--table {output.table} --figure {output.figure} --log {log}"


rule grounding:
    input:
        DESCRIBED_PREDICTIONS,
    output:
        table=TABLE_GROUNDING,
        markdown=TABLE_GROUNDING.replace(".csv", ".md"),
        html=report(
            TABLE_GROUNDING.replace(".csv", ".html"),
            caption="../report/grounding.rst",
            category="Tables",
        ),
        latex=TABLE_GROUNDING.replace(".csv", ".tex"),
        metrics=L.metrics_part("grounding"),
    log:
        "logs/evaluate/grounding.log",
    conda:
        ENV
    params:
        sections=config_sections("grounding"),
        config=CONFIG,
    shell:
        "reasoniqa grounding --config {params.config} --predictions {input} "
        "--table {output.table} --metrics {output.metrics} --log {log}"


rule intervention:
    input:
        INTERVENTIONS,
    output:
        table=TABLE_INTERVENTION,
        markdown=TABLE_INTERVENTION.replace(".csv", ".md"),
        html=report(
            TABLE_INTERVENTION.replace(".csv", ".html"),
            caption="../report/intervention.rst",
            category="Tables",
        ),
        latex=TABLE_INTERVENTION.replace(".csv", ".tex"),
        metrics=L.metrics_part("intervention"),
    log:
        "logs/evaluate/intervention.log",
    conda:
        ENV
    params:
        sections=config_sections("intervention"),
        config=CONFIG,
    shell:
        "reasoniqa intervention --config {params.config} --edits {input} "
        "--table {output.table} --metrics {output.metrics} --log {log}"


rule metrics:
    input:
        correlations=L.metrics_part("correlations"),
        instability=L.metrics_part("instability"),
        grounding=L.metrics_part("grounding"),
        intervention=L.metrics_part("intervention"),
    output:
        METRICS,
    log:
        "logs/evaluate/metrics.log",
    conda:
        ENV
    shell:
        "reasoniqa metrics --parts correlations={input.correlations} instability={input.instability} "
        "grounding={input.grounding} intervention={input.intervention} --out {output} --log {log}"
