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
