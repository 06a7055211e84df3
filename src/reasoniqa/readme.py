"""The README's result tables, written from a run's tables so that no number is pasted by hand.

`reasoniqa readme` copies the tables of `results/` into a committed snapshot folder (with the SHA-256 of
the config that made them) and rewrites every block of the README between
`<!-- results:NAME -->` and `<!-- /results:NAME -->` from that snapshot. A test renders the blocks from
the snapshot again and compares them with the README, and checks that the snapshot's config is today's.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from reasoniqa import UserError
from reasoniqa.layout import ARTIFACTS

# snapshot file -> the results table it copies (paths: reasoniqa.layout)
TABLES = {Path(ARTIFACTS[name]).name: ARTIFACTS[name] for name in
          ("table1", "table1_per_seed", "table2", "temperature_table", "table3", "table5", "description_accuracy",
           "feature_validation", "ceiling", "ladders")}
# tables a configuration may not make (no synthetic stand-ins, no ladder datasets): their blocks say so
OPTIONAL = {Path(ARTIFACTS[name]).name for name in ("feature_validation", "ceiling", "ladders")}
BLOCK = re.compile(r"(<!-- results:(?P<name>[a-z0-9_]+) -->\n)(?P<body>.*?)(<!-- /results:(?P=name) -->)", re.S)


def _ci(row, col: str, digits: int = 3) -> str:
    value, lo, hi = row[col], row.get(f"{col}_lo"), row.get(f"{col}_hi")
    if value != value:  # NaN
        return "–"
    text = f"{value:.{digits}f}"
    has_interval = lo is not None and hi is not None and lo == lo and hi == hi
    return f"{text} [{lo:.{digits}f}, {hi:.{digits}f}]" if has_interval else text


def _markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows]) + "\n"


def _method_order(frame) -> list[str]:
    from reasoniqa.classical import METHODS as CLASSICAL
    from reasoniqa.methods import REGISTRY

    known = [*REGISTRY, *CLASSICAL]
    methods = list(dict.fromkeys(frame["method"]))
    return [m for m in known if m in methods] + sorted(m for m in methods if m not in known)


def table1(frame) -> str:
    datasets = [d for d in dict.fromkeys(frame["dataset"]) if d != "average"]
    rows = []
    for m in _method_order(frame):
        part = frame[frame["method"] == m].set_index("dataset")
        avg = part.loc["average"]
        rows.append([m, *[f"{part.loc[d, 'srcc']:.3f} / {part.loc[d, 'plcc']:.3f}" for d in datasets],
                     _ci(avg, "srcc"), _ci(avg, "plcc"), _ci(avg, "d_srcc"), _ci(avg, "d_plcc")])
    return _markdown(["method", *datasets, "average SRCC [95% CI]", "average PLCC [95% CI]",
                      "ΔSRCC vs reference", "ΔPLCC vs reference"], rows)


def table2(frame) -> str:
    rows = []
    for m in _method_order(frame):
        avg = frame[(frame["method"] == m) & (frame["dataset"] == "average")].iloc[0]
        rows.append([m, _ci(avg, "instability"), _ci(avg, "disagreement"), _ci(avg, "valid_share"),
                     f"{avg['rated']:.2f}", f"{avg['entropy_bits']:.2f}"])
    return _markdown(["method", "instability rate", "pairwise disagreement", "valid answers",
                      "images rated", "entropy (bits)"], rows)


def temperature(frame) -> str:
    temps = sorted(set(frame["temperature"]))
    rows = []
    for m in _method_order(frame):
        part = frame[frame["method"] == m].set_index("temperature")
        rows.append([m, *[f"{part.loc[t, 'disagreement']:.2f} ({part.loc[t, 'valid_share']:.2f})"
                          if part.loc[t, "disagreement"] == part.loc[t, "disagreement"]
                          else f"– ({part.loc[t, 'valid_share']:.2f})" for t in temps]])
    return _markdown(["method", *[f"T={t:g}" for t in temps]], rows)


def grounding(frame) -> str:
    rows = [[m, f"{a['r2_cv']:.3f}", f"{a['contradiction']:.3f}", f"{a['severe_good']:.3f}", f"{a['clean_bad']:.3f}"]
            for m in _method_order(frame)
            for _, a in frame[(frame["method"] == m) & (frame["dataset"] == "average")].iterrows()]
    return _markdown(["method", "R² of its score from its own description (5-fold CV)", "contradiction rate",
                      "severe degradation rated good/excellent", "all-clean rated bad/poor"], rows)


def intervention(frame) -> str:
    rows = []
    for m in _method_order(frame):
        avg = frame[(frame["method"] == m) & (frame["dataset"] == "average")].iloc[0]
        rows.append([m, str(int(avg["edits"])), _ci(avg, "right"), f"{avg['right_worse']:.3f}",
                     f"{avg['right_better']:.3f}", _ci(avg, "mean_shift")])
    return _markdown(["method", "edits", "score moved the right way", "…degradation written in",
                      "…written out", "mean shift toward expected (1–5)"], rows)


def stage1(frame) -> str:
    from reasoniqa.features import FEATURES

    features = [f for f in FEATURES if f in frame.columns]  # the described ones
    rows = [[r["method"], r["dataset"], *[f"{r[f]:.2f}" for f in features]]
            for _, r in frame[frame["method"].isin(["two_stage", "majority_level"])].iterrows()]
    return _markdown(["method", "dataset", *features], rows)


def features(frame) -> str:
    rows = [[r["feature"], f"{r['srcc_level_vs_strength']:.3f}", f"{r['srcc_where_applied']:.3f}",
             f"{r['level_accuracy']:.3f}"] for _, r in frame.iterrows()]
    return _markdown(["feature", "Spearman(level, applied strength), all test splits",
                      "same, splits applying it", "level accuracy"], rows)


def ceiling(frame) -> str:
    datasets = [d for d in dict.fromkeys(frame["dataset"]) if d != "mean"]
    rows = []
    for rater in dict.fromkeys(frame["rater"]):
        part = frame[frame["rater"] == rater].set_index("dataset")
        rows.append([rater, *[f"{part.loc[d, 'srcc']:.3f} / {part.loc[d, 'plcc']:.3f}" if d in part.index else "–"
                              for d in datasets],
                     f"{part.loc['mean', 'srcc']:.3f}", f"{part.loc['mean', 'srcc_below_ceiling']:.3f}"])
    return _markdown(["rater / descriptions", *datasets, "mean SRCC", "SRCC below the ceiling"], rows)


def ladders(frame) -> str:
    distortions = list(dict.fromkeys(frame["distortion"]))
    rows = []
    for method in _method_order(frame):
        for dataset, part in frame[frame["method"] == method].groupby("dataset"):
            part = part.set_index("distortion")["srcc_score_vs_strength"]
            rows.append([method, dataset, *[f"{part[d]:+.2f}" if d in part.index else "–" for d in distortions]])
    return _markdown(["method", "ladders", *distortions], rows)


RENDERERS = {
    "table1": ("table1_correlations.csv", table1),
    "table2": ("table2_instability.csv", table2),
    "temperature": ("instability_temperature.csv", temperature),
    "grounding": ("table3_grounding.csv", grounding),
    "intervention": ("table5_intervention.csv", intervention),
    "stage1": ("stage1_feature_accuracy.csv", stage1),
    "features": ("feature_validation.csv", features),
    "ceiling": ("ceiling.csv", ceiling),
    "ladders": ("ladders.csv", ladders),
}


def render(snapshot: str | Path) -> dict[str, str]:
    """{block name: Markdown} from a snapshot folder."""
    import pandas as pd

    missing = [file for file, _ in RENDERERS.values()
               if not (Path(snapshot) / file).is_file() and file not in OPTIONAL]
    if missing:
        raise UserError(f"{snapshot}/{missing[0]} does not exist: make the snapshot with `reasoniqa readme`")
    return {name: fn(pd.read_csv(Path(snapshot) / file)) if (Path(snapshot) / file).is_file()
            else "(not made by this configuration)\n" for name, (file, fn) in RENDERERS.items()}


def config_digest(config: str | Path | list) -> str:
    """SHA-256 of the config's content as the workflow reads it (defaults filled, keys sorted), so a
    comment or a reordered key does not count as a change; scheduling requests do not count either."""
    import hashlib
    import json

    from reasoniqa.config import load_config
    from reasoniqa.rule_config import SCHEDULING_ONLY

    content = {k: v for k, v in load_config(config).items() if k not in SCHEDULING_ONLY}
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def take_snapshot(results: str | Path, snapshot: str | Path, config: str | Path | list) -> None:
    """Copy a finished run's tables into the snapshot folder, with the digest of the config that made them."""
    from reasoniqa.io import write_json

    from reasoniqa.io import atomic_dir

    missing = [src for name, src in TABLES.items() if not (Path(results) / src).is_file() and name not in OPTIONAL]
    if missing:
        raise UserError(f"{results}/{missing[0]} does not exist: run the workflow first ({len(missing)} tables missing)")
    configs = [config] if isinstance(config, (str, Path)) else list(config)
    digest = config_digest(configs)  # a bad config fails here, before anything is replaced
    with atomic_dir(snapshot, stamp=False) as tmp:
        for name, src in TABLES.items():
            if (Path(results) / src).is_file():
                shutil.copy2(Path(results) / src, Path(tmp) / name)
        write_json(Path(tmp) / "snapshot.json", {"config": [str(c) for c in configs], "config_sha256": digest})


def refresh(readme: str | Path, snapshot: str | Path, results: str | Path, configs: list[str],
            keep_snapshot: bool = False) -> list[str]:
    """Snapshot a finished run's tables (unless kept as they are) and rewrite the README's blocks."""
    if not keep_snapshot:
        take_snapshot(results, snapshot, configs)
    return update_readme(readme, snapshot)


def update_readme(readme: str | Path, snapshot: str | Path) -> list[str]:
    """Rewrite the README's result blocks from the snapshot; the names of the blocks rewritten."""
    blocks = render(snapshot)
    if not Path(readme).is_file():
        raise UserError(f"no README at {readme}")
    text = Path(readme).read_text()
    found = [m["name"] for m in BLOCK.finditer(text)]
    unknown = sorted(set(found) - set(blocks))
    if unknown:
        raise UserError(f"{readme}: unknown results block {unknown[0]!r} (known: {', '.join(blocks)})")
    new = BLOCK.sub(lambda m: m.group(1) + blocks[m["name"]] + m.group(4), text)
    Path(readme).write_text(new)
    return found
