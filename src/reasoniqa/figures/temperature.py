"""Instability against the sampling temperature, with intervals."""

from __future__ import annotations

from reasoniqa.io import save_png


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
