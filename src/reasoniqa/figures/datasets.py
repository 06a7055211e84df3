"""Score distributions per dataset, and the counts table beside them."""

from __future__ import annotations

from reasoniqa.io import save_png
from reasoniqa.tables.datasets import dataset_counts


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
