"""Figure 1 of the paper's kind (contradictions and repeated answers on example images) and the
feature-vs-quality figure (predicted score by the feature level the model's own description names)."""

from __future__ import annotations

import textwrap

from reasoniqa import UserError
from reasoniqa.io import read_jsonl, save_png
from reasoniqa.layout import parse_prediction_path
from reasoniqa.methods import REGISTRY


DESCRIBING = [name for name, m in REGISTRY.items() if m.describes]


def _by_method(files: list[str], reader) -> dict:
    return {parse_prediction_path(f)["method"]: reader(f) for f in files}


def pick_examples(preds: dict, samples: dict, words: list[str], n: int, features: list[str]) -> list[str]:
    """Images present everywhere, contradicting ones (in any method's description) first, then those
    whose sampled levels vary most; ties by name, so the choice is deterministic."""
    from reasoniqa.descriptions import parse
    from reasoniqa.grounding import contradiction

    common = set.intersection(*(set(p["name"]) for p in preds.values()), *({s["name"] for s in v} for v in samples.values()))
    spread = {name: 0 for name in common}
    contradicts = {name: False for name in common}
    for method, frame in preds.items():
        for r in frame[frame["name"].isin(common)].itertuples():
            contradicts[r.name] |= contradiction(parse(str(r.description)), r.pred_level, words, features) is not None
    for rows in samples.values():
        for s in rows:
            if s["name"] in common:
                spread[s["name"]] += len(set(s["levels"]))
    return sorted(common, key=lambda name: (not contradicts[name], -spread[name], name))[:n]


def plot_examples(cfg: dict, pred_files: list[str], sample_files: list[str], data_dir: str, out: str,
                  n: int = 4) -> None:
    """Rows: example images. Per describing method: its greedy description and level (red when they
    contradict), and the levels of its K sampled answers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.descriptions import parse
    from reasoniqa.features import described
    from reasoniqa.grounding import contradiction
    from reasoniqa.images import load_image

    words = cfg["levels"]["words"]
    preds = _by_method(pred_files, lambda f: pd.read_csv(f, keep_default_na=False))
    samples = _by_method(sample_files, read_jsonl)
    methods = [m for m in DESCRIBING if m in preds and m in samples]
    if not methods:
        raise UserError("the examples figure needs predictions and samples of one_stage_desc or two_stage")
    features = described(cfg["labels"].get("features"))
    names = pick_examples({m: preds[m] for m in methods}, {m: samples[m] for m in methods}, words, n, features)
    frame, _ = load_manifest(data_dir)
    paths = dict(zip(frame["name"], frame["path"]))
    fig, axes = plt.subplots(len(names), 1 + 2 * len(methods), figsize=(3 + 6.4 * len(methods), 2.3 * len(names)),
                             squeeze=False, gridspec_kw={"width_ratios": [1] + [2.2, 1] * len(methods)})
    for row, name in zip(axes, names):
        row[0].imshow(load_image(paths[name]))
        row[0].set_title(name, fontsize=7)
        row[0].axis("off")
        for j, method in enumerate(methods):
            p = preds[method].set_index("name").loc[name]
            text_ax, bar_ax = row[1 + 2 * j], row[2 + 2 * j]
            clash = contradiction(parse(str(p["description"])), p["pred_level"], words, features)
            body = textwrap.fill(str(p["description"]), 48) + f"\n-> {p['pred_level']} ({p['pred_score']:.2f})"
            text_ax.text(0, 1, f"{method}" + (f"  [contradiction: {clash}]" if clash else ""), fontsize=7,
                         weight="bold", va="top", color="firebrick" if clash else "black", transform=text_ax.transAxes)
            text_ax.text(0, 0.8, body, fontsize=6.5, va="top", family="monospace", transform=text_ax.transAxes,
                         parse_math=False)  # generated text: a "$" is not mathtext
            text_ax.axis("off")
            levels = next(s["levels"] for s in samples[method] if s["name"] == name)
            counts = [levels.count(w) for w in words] + [sum(lv not in words for lv in levels)]
            bar_ax.barh(range(len(counts)), counts, color=["#4c72b0"] * len(words) + ["#999999"])
            bar_ax.set_yticks(range(len(counts)), words + ["no level"], fontsize=6)
            bar_ax.set_xlim(0, len(levels))
            bar_ax.set_title(f"{len(levels)} sampled answers", fontsize=7)
            bar_ax.tick_params(axis="x", labelsize=6)
    fig.suptitle("Descriptions vs ratings, and repeated answers, on example test images", y=1.0)
    fig.tight_layout()
    save_png(fig, out)
    plt.close(fig)


def plot_feature_vs_quality(cfg: dict, pred_files: list[str], out: str) -> None:
    """Predicted score grouped by the level each feature is described at, per describing method: a
    grounded rater's score moves with the described degradation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns

    from reasoniqa.descriptions import parse
    from reasoniqa.features import LEVELS, described

    features = described(cfg["labels"].get("features"))
    rows = []
    for f in pred_files:
        key = parse_prediction_path(f)
        pred = pd.read_csv(f, keep_default_na=False)
        for r in pred.itertuples():
            named = parse(str(r.description))
            for feature in features:
                level = named[feature]
                rows.append({"method": key["method"], "feature": feature, "described level": level or "not named",
                             "predicted score": r.pred_score})
    data = pd.DataFrame(rows)
    methods = [m for m in DESCRIBING if m in set(data["method"])]
    sns.set_theme(style="whitegrid", context="paper")
    rows_of_axes = -(-len(features) // 3)
    fig, axes = plt.subplots(rows_of_axes, 3, figsize=(11, 3 * rows_of_axes), sharey=True, squeeze=False)
    for ax in axes.flat[len(features):]:
        ax.set_visible(False)
    for ax, feature in zip(axes.flat, features):
        sns.boxplot(data=data[data["feature"] == feature], x="described level", y="predicted score", hue="method",
                    order=[*LEVELS[feature], "not named"], hue_order=methods, fliersize=1, ax=ax,
                    legend=ax is axes.flat[0])
        ax.set_title(feature)
        ax.tick_params(axis="x", labelsize=7)
    fig.suptitle("Predicted score by the feature level the description names (test splits)")
    fig.tight_layout()
    save_png(fig, out)
    plt.close(fig)
