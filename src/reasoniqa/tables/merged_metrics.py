"""results/metrics.json: every table's metrics in one file, for `dvc metrics show`."""

from __future__ import annotations

from pathlib import Path

from reasoniqa.io import write_json


def merge_metrics(parts: dict[str, str], out: str) -> None:
    """results/metrics.json: one section per table ({section: metrics file})."""
    import json

    write_json(out, {name: json.loads(Path(path).read_text()) for name, path in parts.items()})
