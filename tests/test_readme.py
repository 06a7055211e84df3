"""The README's result tables come from the committed snapshot of a run of the current config."""

import json

import pandas as pd
import pytest

from reasoniqa.readme import BLOCK, config_digest, render, update_readme


def test_readme_blocks_are_the_snapshot_rendered(root):
    text = (root / "README.md").read_text()
    blocks = {m["name"]: m["body"] for m in BLOCK.finditer(text)}
    assert {"table1", "table2", "temperature", "intervention"} <= set(blocks)
    rendered = render(root / "docs/results")
    for name, body in blocks.items():
        assert body == rendered[name], f"README block {name!r} differs from docs/results: run `make readme`"


def made_with_the_current_config(root, snapshot: str) -> dict:
    """A snapshot's snapshot.json, checked: the config it records still has the digest it records."""
    meta = json.loads((root / snapshot / "snapshot.json").read_text())
    configs = [meta["config"]] if isinstance(meta["config"], str) else meta["config"]
    assert meta["config_sha256"] == config_digest([root / c for c in configs]), (
        f"config changed since the tables in {snapshot} were made: rerun the workflow and copy them again")
    return meta


def test_snapshot_was_made_with_the_current_config(root):
    made_with_the_current_config(root, "docs/results")  # `make run`, then `make readme`


def test_update_rewrites_only_the_marked_blocks(tmp_path):
    snap = tmp_path / "snap"
    snap.mkdir()
    rows = [{"method": m, "dataset": d, "srcc": 0.5, "plcc": 0.4, "srcc_lo": 0.4, "srcc_hi": 0.6, "plcc_lo": 0.3,
             "plcc_hi": 0.5, "d_srcc": float("nan"), "d_plcc": float("nan")} for m in ("one_stage", "niqe")
            for d in ("a", "average")]
    pd.DataFrame(rows).to_csv(snap / "table1_correlations.csv", index=False)
    readme = tmp_path / "README.md"
    readme.write_text("intro 0.123\n<!-- results:table1 -->\nstale\n<!-- /results:table1 -->\noutro\n")
    import reasoniqa.readme as r

    only = {"table1": r.RENDERERS["table1"]}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(r, "RENDERERS", only)
        assert update_readme(readme, snap) == ["table1"]
    text = readme.read_text()
    assert text.startswith("intro 0.123\n<!-- results:table1 -->\n| method | a |") and text.endswith("<!-- /results:table1 -->\noutro\n")
    assert "| niqe | 0.500 / 0.400 | 0.500 [0.400, 0.600] |" in text and "stale" not in text


def test_every_function_the_readme_names_exists(root):
    """The artifact table's code column (and any `reasoniqa.module.function` in the README) resolves."""
    import importlib
    import re

    names = set(re.findall(r"`(reasoniqa(?:\.\w+)+)`", (root / "README.md").read_text()))
    assert len(names) > 10
    for name in sorted(names):
        try:
            importlib.import_module(name)  # a module
            continue
        except ModuleNotFoundError:
            pass
        module, _, attr = name.rpartition(".")
        assert hasattr(importlib.import_module(module), attr), name


def test_the_three_seed_tables_in_the_readme_are_the_kept_tables_rendered(root):
    """The README's three-seed Table 1 and ladders are not a marked block (the default config runs one
    seed); they must still be the package's rendering of the tables kept from that run."""
    from reasoniqa import readme

    text = (root / "README.md").read_text()
    kept = root / "docs/experiments/three_seeds"
    for table in (readme.table1(pd.read_csv(kept / "table1_correlations.csv")),
                  readme.ladders(pd.read_csv(kept / "ladders.csv"))):
        assert "\n\n" + table + "\n" in text  # whole: a blank line before, no extra row after
        assert "|" not in text.split("\n\n" + table + "\n", 1)[1].split("\n", 1)[0]
    assert made_with_the_current_config(root, "docs/experiments/three_seeds")["overrides"] == {"seeds": [0, 1, 2]}
