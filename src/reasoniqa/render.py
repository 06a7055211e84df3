"""Figures (seaborn). One function per figure; each figure has exactly one Snakemake target."""

from __future__ import annotations

from reasoniqa.evaluate import parse_prediction_path
from reasoniqa.io import save_png


def plot_scatter(pred_files: list[str], out: str) -> None:
    """Predicted expected score (1-5) against the normalized ground truth, one panel per method."""
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd
    import seaborn as sns

    frames = [pd.read_csv(f).assign(**parse_prediction_path(f)) for f in pred_files]
    data = pd.concat(frames, ignore_index=True)
    sns.set_theme(style="whitegrid", context="paper")
    grid = sns.relplot(data=data, x="score", y="pred_score", hue="dataset", col="method",
                       kind="scatter", height=3.2, aspect=1.0, s=18, alpha=0.7)
    grid.set_axis_labels("normalized MOS (higher = better)", "predicted score (1-5)")
    grid.figure.suptitle("Predicted quality vs subjective score (test splits)", y=1.03)
    save_png(grid.figure, out)


def dataset_counts(data_dirs: list[str]):
    """Images, contents and references per dataset and split."""
    import pandas as pd

    from reasoniqa.data.manifest import load_manifest

    rows = []
    for d in data_dirs:
        frame, meta = load_manifest(d, references=True)
        for split, part in frame.groupby("split", sort=True):
            rows.append({
                "dataset": meta["name"], "split": split,
                "images": int((part["is_reference"] == 0).sum()),
                "references": int(part["is_reference"].sum()),
                "contents": part["content"].nunique(),
                "mos_scale": "{}-{}".format(*meta["mos_scale"]),
                "lower_is_better": bool(meta["lower_is_better"]),
            })
    return pd.DataFrame(rows)


def plot_datasets_overview(data_dirs: list[str], table_out: str, figure_out: str) -> None:
    """Counts table (CSV + Markdown) and the distribution of normalized scores per dataset and split."""
    import matplotlib

    matplotlib.use("Agg")

    import pandas as pd
    import seaborn as sns

    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.io import write_table

    counts = dataset_counts(data_dirs)
    write_table(table_out, counts)
    frames = []
    for d in data_dirs:
        frame, meta = load_manifest(d)
        frames.append(frame.assign(dataset=meta["name"]))
    data = pd.concat(frames, ignore_index=True)
    sns.set_theme(style="whitegrid", context="paper")
    grid = sns.displot(data=data, x="score", hue="split", col="dataset", kind="hist", bins=20,
                       stat="density", common_norm=False, element="step", height=2.6, aspect=1.0)
    grid.set_axis_labels("normalized MOS (higher = better)", "density")
    grid.figure.suptitle("Datasets: score distributions per split", y=1.04)
    save_png(grid.figure, figure_out)


def plot_temperature_curve(table, measures, out: str) -> None:
    """One panel per instability measure against the sampling temperature: a line per method with its
    95% interval as a band (the table's `<measure>_lo/_hi`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="paper")
    fig, axes = plt.subplots(1, len(measures), figsize=(3.4 * len(measures), 3.0), sharex=True)
    colours = dict(zip(sorted(table["method"].unique()), sns.color_palette("deep")))
    titles = {"instability": "rate (answers not all equal)", "disagreement": "pairwise disagreement",
              "valid_share": "answers naming a level"}
    for ax, measure in zip(axes, measures):
        for method, part in table.groupby("method", sort=True):
            part = part.sort_values("temperature")
            ax.plot(part["temperature"], part[measure], marker="o", color=colours[method], label=method)
            ax.fill_between(part["temperature"], part[f"{measure}_lo"], part[f"{measure}_hi"],
                            color=colours[method], alpha=0.2, linewidth=0)
        ax.set(title=titles.get(measure, measure), xlabel="temperature", ylim=(-0.02, 1.02))
    axes[0].set_ylabel("share (mean over test sets)")
    axes[-1].legend(fontsize=7, loc="lower right")
    fig.suptitle(f"Instability against the sampling temperature (K = {int(table['k'].iloc[0])})", y=1.02)
    save_png(fig, out)
    plt.close(fig)
