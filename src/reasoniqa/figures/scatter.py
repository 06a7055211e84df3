"""Predicted vs ground-truth score, one panel per dataset."""

from __future__ import annotations

from reasoniqa.io import save_png
from reasoniqa.layout import parse_prediction_path


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
