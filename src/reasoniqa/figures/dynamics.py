"""Inference dynamics at the quality token: Figure 3 (logit lens; Table 4 beside it) and Figure 5
(attention of the quality token over image, prompt and description, per layer)."""

from __future__ import annotations

import json

from reasoniqa.io import save_png, write_table
from reasoniqa.layout import parse_prediction_path
from reasoniqa.methods import REGISTRY
from reasoniqa.tables.lens import lens_summary


ORDER = list(REGISTRY)


def load_analysis(files: list[str]) -> list[dict]:
    """Every analysed sample, tagged with its method, seed and dataset."""
    out = []
    for f in files:
        key = parse_prediction_path(f)
        with open(f) as fh:
            out += [{**key, **s} for s in json.load(fh)["samples"]]
    return out


def _methods(samples: list[dict]) -> list[str]:
    present = {s["method"] for s in samples}
    return [m for m in ORDER if m in present]


def _example_panel(ax, sample: dict, title: str) -> None:
    """Per-layer top-k candidates of one image: colour = probability, text = token."""
    import numpy as np
    import seaborn as sns

    probs = np.array(sample["top_probs"])
    labels = np.array([[f"{t}\n{p:.2f}" for t, p in zip(toks, ps)] for toks, ps in
                       zip(sample["top_tokens"], sample["top_probs"])])
    sns.heatmap(probs, annot=labels, fmt="", cmap="viridis", vmin=0, vmax=1, cbar=False, ax=ax,
                annot_kws={"fontsize": 6, "parse_math": False})  # decoded tokens: a "$$" is not mathtext
    ax.set_yticklabels([str(i) for i in range(probs.shape[0])], rotation=0)
    ax.set_xlabel("rank of candidate")
    ax.set_ylabel("layer (0 = embeddings)")
    ax.set_title(title, fontsize=9)


def lens_figure(cfg: dict, analysis_files: list[str], figure_out: str, table_out: str) -> None:
    """Top row: the top-k lens candidates per layer for one example image, per method. Bottom row:
    probability mass on the level words per layer, and where the answer settles."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns

    samples = load_analysis(analysis_files)
    write_table(table_out, lens_summary(samples), ".3f", latex=True)
    methods = _methods(samples)
    sns.set_theme(style="whitegrid", context="paper")
    fig, axes = plt.subplots(2, max(len(methods), 2), figsize=(3.3 * max(len(methods), 2), 7.5), squeeze=False)
    first = samples[0]
    for ax, method in zip(axes[0], methods):
        example = next(s for s in samples if s["method"] == method and s["dataset"] == first["dataset"]
                       and s["seed"] == first["seed"]
                       and s["name"] == first["name"])
        _example_panel(ax, example, f"{method}: {example['name']}\noutput: {example['output_level']}")
    for ax in axes[0][len(methods):]:
        ax.axis("off")
    mass = pd.DataFrame([{"method": s["method"], "layer": layer, "level mass": m}
                         for s in samples for layer, m in enumerate(s["level_mass"])])
    sns.lineplot(data=mass, x="layer", y="level mass", hue="method", hue_order=methods, ax=axes[1][0],
                 errorbar=("ci", 95), seed=cfg["analysis"]["seed"])
    axes[1][0].set_title("level-word probability per layer\n(mean, 95% CI)", fontsize=9)
    settle = pd.DataFrame([{"method": s["method"], "settle layer": s["settle_layer"]} for s in samples])
    sns.countplot(data=settle, x="settle layer", hue="method", hue_order=methods, ax=axes[1][1])
    axes[1][1].set_title("layer where the output token\nbecomes and stays top-1", fontsize=9)
    for ax in axes[1][2:]:
        ax.axis("off")
    fig.suptitle("Logit lens at the quality token", y=0.995)
    fig.tight_layout()
    save_png(fig, figure_out)
    plt.close(fig)


def attention_figure(analysis_files: list[str], figure_out: str) -> None:
    """Share of the quality token's attention on image, prompt and description tokens per layer
    (mean over heads and samples, 95% CI), one panel per method."""
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd
    import seaborn as sns

    samples = load_analysis(analysis_files)
    rows = [{"method": s["method"], "layer": layer + 1, "segment": seg, "attention share": v}
            for s in samples for seg, values in s["attention"].items() for layer, v in enumerate(values)]
    data = pd.DataFrame(rows)
    sns.set_theme(style="whitegrid", context="paper")
    grid = sns.relplot(data=data, x="layer", y="attention share", hue="segment", col="method",
                       col_order=_methods(samples), kind="line", errorbar=("ci", 95), height=3.0, aspect=1.0,
                       marker="o", facet_kws={"ylim": (0, 1)}, seed=0)  # a seeded bootstrap: byte-stable reruns
    grid.set(xticks=sorted(data["layer"].unique()))
    grid.figure.suptitle("Attention of the quality token over the context", y=1.04)
    save_png(grid.figure, figure_out)
