rule correlations:
    input:
        PREDICTIONS,
    output:
        table=TABLE1,
        markdown=TABLE1.replace(".csv", ".md"),
        latex=TABLE1.replace(".csv", ".tex"),
        metrics="results/metrics/correlations.json",
    params:
        config=CONFIG,
        evaluate=config["evaluate"],
    conda:
        ENV
    log:
        "logs/evaluate/correlations.log",
    shell:
        "reasoniqa correlations --config {params.config} --predictions {input} "
        "--table {output.table} --metrics {output.metrics} --log {log}"


rule instability:
    input:
        SAMPLES,
    output:
        table=TABLE2,
        markdown=TABLE2.replace(".csv", ".md"),
        latex=TABLE2.replace(".csv", ".tex"),
        metrics="results/metrics/instability.json",
    params:
        config=CONFIG,
        evaluate=config["evaluate"],
    conda:
        ENV
    log:
        "logs/evaluate/instability.log",
    shell:
        "reasoniqa instability --config {params.config} --samples {input} "
        "--table {output.table} --metrics {output.metrics} --log {log}"


rule grounding:
    input:
        DESCRIBED_PREDICTIONS,
    output:
        table=TABLE_GROUNDING,
        markdown=TABLE_GROUNDING.replace(".csv", ".md"),
        latex=TABLE_GROUNDING.replace(".csv", ".tex"),
        metrics="results/metrics/grounding.json",
    params:
        config=CONFIG,
        evaluate=config["evaluate"],
    conda:
        ENV
    log:
        "logs/evaluate/grounding.log",
    shell:
        "reasoniqa grounding --config {params.config} --predictions {input} "
        "--table {output.table} --metrics {output.metrics} --log {log}"


rule metrics:
    input:
        correlations="results/metrics/correlations.json",
        instability="results/metrics/instability.json",
        grounding="results/metrics/grounding.json",
    output:
        METRICS,
    conda:
        ENV
    log:
        "logs/evaluate/metrics.log",
    shell:
        "reasoniqa metrics --parts correlations={input.correlations} instability={input.instability} "
        "grounding={input.grounding} --out {output} --log {log}"
