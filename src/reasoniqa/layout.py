"""Where every artifact lives: the one module the package, the Snakemake rules, dvcgen and the
experiments ask for a path.

Each method returns a path; its arguments default to Snakemake wildcards ("{method}", "{seed}", ...), so
the same call gives a concrete path in Python and a pattern in a rule (`expand(L.predictions(), ...)`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# The workflow's fixed artifacts (tables, figures, metrics), relative to the results folder. A table's
# Markdown/LaTeX twins are written beside its CSV.
ARTIFACTS = {
    "table1": "tables/table1_correlations.csv",
    "table1_per_seed": "tables/table1_per_seed.csv",
    "table2": "tables/table2_instability.csv",
    "table3": "tables/table3_grounding.csv",
    "table4": "tables/table4_logit_lens.csv",
    "table5": "tables/table5_intervention.csv",
    "temperature_table": "tables/instability_temperature.csv",
    "description_accuracy": "tables/stage1_feature_accuracy.csv",
    "feature_validation": "tables/feature_validation.csv",
    "dataset_counts": "tables/dataset_counts.csv",
    "ceiling": "tables/ceiling.csv",
    "ladders": "tables/ladders.csv",
    "fig1": "figures/fig1_examples.png",
    "fig3": "figures/fig3_logit_lens.png",
    "fig5": "figures/fig5_attention.png",
    "feature_quality": "figures/feature_vs_quality.png",
    "temperature_figure": "figures/instability_temperature.png",
    "scatter": "figures/scatter_pred_vs_mos.png",
    "datasets_overview": "figures/datasets_overview.png",
    "feature_figure": "figures/feature_validation.png",
    "metrics": "metrics.json",
    "calibration": "labels/calibration.json",
    "classical_models": "baselines/classical",
    "base_model": "models/base",  # what every method starts from
    "random_base": "models/base_random",  # the embedded base before its vision pretraining
}


@dataclass(frozen=True)
class Layout:
    results: str = "results"
    resources: str = "resources"

    def _r(self, *parts: str) -> str:
        return "/".join((self.results, *parts))

    def artifact(self, name: str) -> str:
        return self._r(ARTIFACTS[name])

    # data
    def dataset(self, dataset="{dataset}") -> str:
        return f"{self.resources}/{dataset}"

    def raw(self, dataset="{dataset}") -> str:
        return f"{self.resources}/raw/{dataset}"

    def fetched(self, dataset="{dataset}") -> str:
        """The fetch step's receipt of the raw folder (reasoniqa.io.write_receipt)."""
        return f"{self.resources}/receipts/{dataset}.json"

    def downloads(self, dataset="{dataset}") -> str:
        return f"{self.resources}/downloads/{dataset}"

    def features(self, dataset="{dataset}") -> str:
        return self._r("features", f"{dataset}.csv")

    def attribute_validation(self, dataset="{dataset}") -> str:
        """Measured features vs a real dataset's attribute scores (SPAQ)."""
        return self._r("tables", f"feature_validation_{dataset}.csv")

    def labels(self, dataset="{dataset}") -> str:
        return self._r("labels", dataset)

    def records(self, dataset="{dataset}", kind="{kind}") -> str:
        return f"{self.labels(dataset)}/{kind}.jsonl"

    # models: a one-run adapter per (method, seed); the two-stage method's stage adapters and merged model
    def adapter(self, method="{method}", seed="{seed}") -> str:
        return self._r("adapters", method, f"seed{seed}")

    def stage_adapter(self, method="{method}", seed="{seed}", stage="{stage}") -> str:
        return self._r("adapters", method, f"seed{seed}", stage)

    def merged_model(self, method="{method}", seed="{seed}", stage="{stage}") -> str:
        return self._r("models", method, f"seed{seed}", f"{stage}_merged")

    def checkpoints(self, method="{method}", seed="{seed}", stage=None) -> str:
        return self._r("checkpoints", method, f"seed{seed}", *([stage] if stage else []))

    # per-method outputs over the test sets
    def predictions(self, method="{method}", seed="{seed}", dataset="{dataset}") -> str:
        return self._r("predictions", method, f"seed{seed}", f"{dataset}.csv")

    def measured_rating(self, method="{method}", seed="{seed}", dataset="{dataset}") -> str:
        """The method's rater fed a perfect stage 1's descriptions (the ceiling table's input)."""
        return self._r("ceiling", method, f"seed{seed}", f"{dataset}.csv")

    def samples(self, method="{method}", seed="{seed}", tag="{tag}", dataset="{dataset}") -> str:
        return self._r("samples", method, f"seed{seed}", tag, f"{dataset}.jsonl")

    def analysis(self, method="{method}", seed="{seed}", dataset="{dataset}") -> str:
        return self._r("analysis", method, f"seed{seed}", f"{dataset}.json")

    def intervention(self, method="{method}", seed="{seed}", dataset="{dataset}") -> str:
        return self._r("intervention", method, f"seed{seed}", f"{dataset}.csv")

    def job_benchmark(self, rule: str, *wildcards: str) -> str:
        """Time and memory of one job (Snakemake's `benchmark:` file), e.g. ("train", "{method}", "seed{seed}")."""
        return self._r("benchmarks", "jobs", rule, *wildcards) + ".tsv"

    def metrics_part(self, name="{name}") -> str:
        return self._r("metrics", f"{name}.json")

    def plot_data(self, name="{name}") -> str:
        return self._r("plots", f"{name}.csv")



# <method>/seed<S>/[t<temperature>/]<dataset>.<ext>: the per-method outputs above, read back
PRED_PATH = re.compile(r"(?P<method>[^/]+)/seed(?P<seed>\d+)/(?:t(?P<temperature>\d+(?:\.\d+)?)/)?"
                       r"(?P<dataset>[^/]+)\.(csv|jsonl|json)$")


def parse_prediction_path(path: str) -> dict:
    """method, seed, dataset (and temperature, for samples) of a per-method output file."""
    from reasoniqa import UserError

    m = PRED_PATH.search(Path(path).as_posix())
    if not m:
        raise UserError(f"{path} is not named <method>/seed<S>/[t<temperature>/]<dataset>.csv|jsonl|json")
    key = {"method": m["method"], "seed": int(m["seed"]), "dataset": m["dataset"]}
    if m["temperature"] is not None:
        key["temperature"] = float(m["temperature"])
    return key
