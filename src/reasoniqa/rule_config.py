"""Which config sections each workflow step reads: the one table behind both the Snakemake rules'
`params:` and dvc.yaml's `params:`, so that both tools rerun a step on the same config edits.

A `{dataset}` in a name is the job's own dataset (`datasets.synth_koniq`): editing one dataset's recipe
reruns that dataset's jobs only. A rule missing here fails the workflow test and the DVC generator.
"""

from __future__ import annotations

from reasoniqa import UserError

# Prompts and level words reach every step that builds a conversation or reads a level; the embedded
# tokenizer is trained on them too (build_model). The describe question names the described features.
_CHAT = ["levels", "prompts", "labels.features"]
# torch_threads changes float sums, hence outputs bit for bit, of every step that runs a model.
_MODEL = ["model", "torch_threads"]
RULE_CONFIG: dict[str, list[str]] = {
    "synthesize": ["datasets.{dataset}", "test_photos"],
    "fetch": ["datasets.{dataset}"],
    "prepare": ["datasets.{dataset}"],
    "features": [],  # pixels in, measurements out
    "calibrate": ["labels.quantiles", "labels.features"],  # the calibration records the described features
    "labels": [*_CHAT, "labels", "predict", *_MODEL],  # predict and model: the optional teacher VLM
    "validate_features": [],
    "validate_attributes": [],
    "datasets_overview": ["datasets"],
    "build_model": [*_MODEL, *_CHAT],
    "pretrain_vision": _MODEL,
    "train": ["train", *_MODEL, *_CHAT],
    "train_stage1": ["train", *_MODEL, *_CHAT],
    "merge_stage1": _MODEL,
    "train_stage2": ["train", *_MODEL, *_CHAT],
    "fit_classical": ["classical", "test_photos"],
    "classical_split": [],  # the fitted models carry their config
    "score_split": ["predict", *_MODEL, *_CHAT],
    "rate_measured_split": ["predict", "labels", *_MODEL, *_CHAT],
    "ceiling": [],
    "ladders": [],
    "sample_split": ["instability", "predict", *_MODEL, *_CHAT],
    "analyze_split": ["analysis", *_MODEL, *_CHAT],
    "intervene_split": ["intervention", "predict", *_MODEL, *_CHAT],
    "intervention": ["evaluate"],
    "correlations": ["evaluate"],
    "instability": ["evaluate", "instability", "levels"],
    "instability_curve": ["evaluate", "instability", "levels"],
    "grounding": ["evaluate", "levels", "labels.features"],
    "metrics": [],
    "description_accuracy": [],
    "lens_figure": ["analysis", "levels"],
    "attention_figure": [],
    "examples_figure": _CHAT,
    "feature_quality_figure": ["levels", "labels.features"],
    "plot_scatter": [],
}
# `use rule score_split as score_ladders` inherits score_split's params (its sections): dvc.yaml the same
RULE_CONFIG["score_ladders"] = RULE_CONFIG["score_split"]
RULE_CONFIG["rate_measured_ladders"] = RULE_CONFIG["rate_measured_split"]

# Sections no output depends on: what jobs ask a scheduler for (reasoniqa.resources). No rule lists them
# above, so editing them reruns nothing under either tool; the README snapshot's config digest leaves them
# out too (reasoniqa.readme.config_digest).
SCHEDULING_ONLY = ("resources",)


def section_names(rule: str, config: dict, wildcards: dict | None = None) -> list[str]:
    """The dotted config keys a job of `rule` reads (wildcards fill in `{dataset}`). `model` stays whole
    for the embedded model; for a real checkpoint it is the keys of reasoniqa.config.model_section, which
    leaves the embedded model's sizes out (DVC cannot track a section less one key)."""
    from reasoniqa.config import model_section

    if rule not in RULE_CONFIG:
        raise UserError(f"rule {rule!r} has no entry in reasoniqa.rule_config.RULE_CONFIG")
    model = model_section(config)
    model_keys = ["model"] if "embedded" in model else [f"model.{k}" for k in sorted(model)]
    names = [n for name in RULE_CONFIG[rule] for n in (model_keys if name == "model" else [name])]
    names = [n for n in dict.fromkeys(names) if not any(n.startswith(f"{other}.") for other in names)]  # labels holds labels.features
    return [name.format(**(wildcards or {})) for name in names]


def section_values(rule: str, config: dict, wildcards: dict | None = None) -> dict:
    """{dotted key: its value in `config`, as canonical JSON} for a job of `rule` (null where the config
    lacks it). Snakemake compares params by their text: sorted keys make a re-saved config with its
    keys in another order compare equal, as DVC (which reads the values) already does."""
    import json

    values = {}
    for name in section_names(rule, config, wildcards):
        node = config
        for part in name.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        values[name] = json.dumps(node, sort_keys=True)
    return values
