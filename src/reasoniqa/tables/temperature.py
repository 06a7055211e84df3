"""Instability against the sampling temperature: the table, and its figure (figures.temperature)."""

from __future__ import annotations

from reasoniqa.figures.temperature import plot_temperature_curve
from reasoniqa.instability import MEASURES
from reasoniqa.io import write_table
from reasoniqa.tables.instability import instability_table


def write_temperature_curve(cfg: dict, sample_files: list[str], table_path: str, figure_path: str) -> None:
    """The measures against the sampling temperature per method (average over the test sets), as a
    table and a figure with the intervals."""
    table = instability_table(sample_files, cfg)
    table = table[table["dataset"] == "average"].drop(columns="dataset").reset_index(drop=True)
    write_table(table_path, table, ".4f")
    plot_temperature_curve(table, MEASURES, figure_path)
