# One job per method and seed scores every test set: the model loads once (each job start costs ~5 s
# of imports on the embedded default; a 7B model's load far more).
rule score_split:
    input:
        base=method_base_input,
        adapter=adapter_input,
        data=expand(L.dataset(), dataset=config["test_datasets"]),
    output:
        expand(
            L.predictions(method="{{method}}", seed="{{seed}}"),
            dataset=config["test_datasets"],
        ),
    log:
        "logs/predict/{method}/seed{seed}.log",
    benchmark:
        L.job_benchmark("score_split", "{method}", "seed{seed}")
    wildcard_constraints:
        method=one_of(config["methods"]),
    conda:
        ENV
    threads: config["torch_threads"]
    resources:
        **job_resources("score_split"),
    params:
        sections=config_sections("score_split"),
        config=CONFIG,
        base=method_base,
        adapter=adapter_flag,
    shell:
        "reasoniqa score-split --config {params.config} --method {wildcards.method} --base {params.base} {params.adapter} "
        "--data {input.data} --split test --out {output} --log {log}"


# The held-out ladders in a job of their own: a ladder edit rescoring the test sets would rerun every
# table that reads their predictions.
use rule score_split as score_ladders with:
    input:
        base=method_base_input,
        adapter=adapter_input,
        data=expand(L.dataset(), dataset=LADDERS),
    output:
        expand(
            L.predictions(method="{{method}}", seed="{{seed}}"),
            dataset=LADDERS,
        ),
    log:
        "logs/predict/{method}/seed{seed}/ladders.log",
    benchmark:
        L.job_benchmark("score_ladders", "{method}", "seed{seed}")
    resources:
        **job_resources("score_ladders"),


# The ceiling: a describing method's rater fed a perfect stage 1's descriptions (measured levels), one
# job per method and seed for every test set.
rule rate_measured_split:
    input:
        base=method_base_input,
        adapter=adapter_input,
        data=expand(L.dataset(), dataset=config["test_datasets"]),
        features=expand(L.features(), dataset=config["test_datasets"]),
        calibration=CALIBRATION,
    output:
        expand(
            L.measured_rating(method="{{method}}", seed="{{seed}}"),
            dataset=config["test_datasets"],
        ),
    log:
        "logs/ceiling/{method}/seed{seed}.log",
    benchmark:
        L.job_benchmark("rate_measured_split", "{method}", "seed{seed}")
    wildcard_constraints:
        method=one_of(DESCRIBING),
    conda:
        ENV
    threads: config["torch_threads"]
    resources:
        **job_resources("rate_measured_split"),
    params:
        sections=config_sections("rate_measured_split"),
        config=CONFIG,
        base=method_base,
        adapter=adapter_flag,
    shell:
        "reasoniqa rate-measured-split --config {params.config} --method {wildcards.method} --base {params.base} "
        "{params.adapter} --data {input.data} --features {input.features} --calibration {input.calibration} "
        "--split test --out {output} --log {log}"


# The ladders' own ceiling: the same raters fed measured descriptions of the ladder images.
use rule rate_measured_split as rate_measured_ladders with:
    input:
        base=method_base_input,
        adapter=adapter_input,
        data=expand(L.dataset(), dataset=LADDERS),
        features=expand(L.features(), dataset=LADDERS),
        calibration=CALIBRATION,
    output:
        expand(
            L.measured_rating(method="{{method}}", seed="{{seed}}"),
            dataset=LADDERS,
        ),
    log:
        "logs/ceiling/{method}/seed{seed}/ladders.log",
    benchmark:
        L.job_benchmark("rate_measured_ladders", "{method}", "seed{seed}")
    resources:
        **job_resources("rate_measured_ladders"),


rule fit_classical:
    input:
        expand(L.dataset(), dataset=config["train_datasets"]),
    output:
        directory(CLASSICAL_MODELS),
    log:
        "logs/classical/fit.log",
    benchmark:
        L.job_benchmark("fit_classical")
    conda:
        ENV
    resources:
        **job_resources("fit_classical"),
    params:
        sections=config_sections("fit_classical"),
        config=CONFIG,
    shell:
        "reasoniqa fit-classical --config {params.config} --train-data {input} --out {output} --log {log}"


# One job per classical method covers every test set and seed.
rule classical_split:
    input:
        models=CLASSICAL_MODELS,
        data=expand(L.dataset(), dataset=config["test_datasets"]),
    output:
        expand(
            L.predictions(method="{{method}}"),
            seed=SEEDS,
            dataset=config["test_datasets"],
        ),
    log:
        "logs/classical/{method}.log",
    benchmark:
        L.job_benchmark("classical_split", "{method}")
    wildcard_constraints:
        method=one_of(CLASSICAL),
    conda:
        ENV
    resources:
        **job_resources("classical_split"),
    params:
        sections=config_sections("classical_split"),
        config=CONFIG,
    shell:
        "reasoniqa classical-split --config {params.config} --method {wildcards.method} --models {input.models} "
        "--data {input.data} --out {output} --log {log}"


# One job per method and seed covers every test set: the model loads once (each job start costs
# ~5 s of imports, measured in benchmarks/).
rule sample_split:
    input:
        base=method_base_input,
        adapter=adapter_input,
        data=expand(L.dataset(), dataset=config["test_datasets"]),
    output:
        JOB_SAMPLES,
    log:
        "logs/samples/{method}/seed{seed}.log",
    benchmark:
        L.job_benchmark("sample_split", "{method}", "seed{seed}")
    conda:
        ENV
    threads: config["torch_threads"]
    resources:
        **job_resources("sample_split"),
    params:
        sections=config_sections("sample_split"),
        config=CONFIG,
        base=method_base,
        adapter=adapter_flag,
        temperatures=TEMPERATURES,
    shell:
        "reasoniqa sample-split --config {params.config} --method {wildcards.method} --base {params.base} {params.adapter} "
        "--data {input.data} --split test --temperatures {params.temperatures} --out {output} --log {log}"


rule ceiling:
    input:
        data=expand(L.dataset(), dataset=ALL_DATASETS),
        train_features=expand(L.features(), dataset=config["train_datasets"]),
        test_features=expand(L.features(), dataset=config["test_datasets"]),
        calibration=CALIBRATION,
        rated=MEASURED_RATINGS,
        own=DESCRIBED_PREDICTIONS,
    output:
        table=TABLE_CEILING,
        markdown=TABLE_CEILING.replace(".csv", ".md"),
        html=report(
            TABLE_CEILING.replace(".csv", ".html"),
            caption="../report/ceiling.rst",
            category="Tables",
        ),
    log:
        "logs/ceiling.log",
    conda:
        ENV
    params:
        config=CONFIG,
    shell:
        "reasoniqa ceiling --config {params.config} --data {input.data} --train-features {input.train_features} "
        "--test-features {input.test_features} --calibration {input.calibration} --rated {input.rated} "
        "--own {input.own} --table {output.table} --log {log}"


rule ladders:
    input:
        predictions=LADDER_PREDICTIONS,
        rated=LADDER_MEASURED_RATINGS,
        data=expand(L.dataset(), dataset=LADDERS + config["train_datasets"]),
        train_features=expand(L.features(), dataset=config["train_datasets"]),
        ladder_features=expand(L.features(), dataset=LADDERS),
        calibration=CALIBRATION,
    output:
        table=TABLE_LADDERS,
        markdown=TABLE_LADDERS.replace(".csv", ".md"),
        html=report(
            TABLE_LADDERS.replace(".csv", ".html"),
            caption="../report/ladders.rst",
            category="Tables",
        ),
    log:
        "logs/ladders.log",
    conda:
        ENV
    params:
        config=CONFIG,
    shell:
        "reasoniqa ladders --config {params.config} --predictions {input.predictions} --rated {input.rated} "
        "--data {input.data} --train-features {input.train_features} --ladder-features {input.ladder_features} "
        "--calibration {input.calibration} --table {output.table} --log {log}"


rule description_accuracy:
    input:
        predictions=DESCRIBED_PREDICTIONS,
        features=expand(L.features(), dataset=config["test_datasets"]),
        calibration=CALIBRATION,
    output:
        table=DESCRIPTION_ACCURACY,
        markdown=DESCRIPTION_ACCURACY.replace(".csv", ".md"),
        html=report(
            DESCRIPTION_ACCURACY.replace(".csv", ".html"),
            caption="../report/stage1_accuracy.rst",
            category="Tables",
        ),
    log:
        "logs/description_accuracy.log",
    conda:
        ENV
    params:
        config=CONFIG,
    shell:
        "reasoniqa description-accuracy --config {params.config} --predictions {input.predictions} "
        "--features {input.features} --calibration {input.calibration} --table {output.table} --log {log}"
