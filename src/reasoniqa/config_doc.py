"""config/README.md, generated from the schema (the single source of keys, types, defaults and their
descriptions), as the Snakemake workflow catalog expects a config/README.md."""

from __future__ import annotations

import json

HEADER = """# Configuration

GENERATED from `src/reasoniqa/schemas/config.schema.yaml` by `make config-doc`: edit the schema, not
this file (tests/test_config.py fails when it is stale).

`config/config.yaml` is the base: the embedded default (a tiny LLaVA built here, synthetic stand-ins of
the four datasets). Other configs state only what differs and are merged onto it in order, mappings key
by key and anything else replaced — the way Snakemake merges `--configfile` onto the Snakefile's
`configfile:`; the steps get the same files (`reasoniqa STEP --config config/config.yaml --config OVERRIDE`):

| file | what it changes |
|---|---|
| `config/config.yaml` | the base: the embedded default |
| `config/test.yaml` | the test suite's sizes (seconds instead of minutes) |
| `config/paper.yaml` | the paper: LLaVA-1.5-7B, the real KonIQ, SPAQ, LIVE, CSIQ, three seeds, GPU |

Run an override with `snakemake --configfile config/paper.yaml --cores all --resources gpu=1`.
Unknown keys are errors; a key left out takes the default below.
"""


def _type(spec: dict) -> str:
    if "enum" in spec:
        return " \\| ".join(f"`{v}`" for v in spec["enum"])
    kind = spec.get("type", "")
    kind = " or ".join(kind) if isinstance(kind, list) else kind
    if kind == "array" and isinstance(spec.get("items"), dict):
        inner = spec["items"]
        kind += " of " + (" \\| ".join(f"`{v}`" for v in inner["enum"]) if "enum" in inner else inner.get("type", ""))
    return kind


def _rows(schema: dict, prefix: str, required: set) -> list[str]:
    rows = []
    for key, spec in schema.get("properties", {}).items():
        path = f"{prefix}{key}"
        default = json.dumps(spec["default"]) if "default" in spec else ("required" if key in required else "—")
        text = " ".join(str(spec.get("description", "")).split()).replace("|", "\\|")
        rows.append(f"| `{path}` | {_type(spec)} | {default.replace('|', chr(92) + '|')} | {text} |")
        if "properties" in spec:
            rows += _rows(spec, path + ".", set(spec.get("required", [])))
        extra = spec.get("additionalProperties")
        if isinstance(extra, dict) and "properties" in extra:
            rows += _rows(extra, path + ".<name>.", set(extra.get("required", [])))
    return rows


def undocumented(schema: dict, prefix: str = "") -> list[str]:
    """Keys of the schema without a description."""
    out = []
    for key, spec in schema.get("properties", {}).items():
        if not spec.get("description"):
            out.append(prefix + key)
        out += undocumented(spec, f"{prefix}{key}.")
        extra = spec.get("additionalProperties")
        if isinstance(extra, dict):
            out += undocumented(extra, f"{prefix}{key}.<name>.")
    return out


def render() -> str:
    from reasoniqa.config import _schema

    schema = _schema()
    table = ["| key | type | default | meaning |", "|---|---|---|---|",
             *_rows(schema, "", set(schema.get("required", [])))]
    return HEADER + "\n## Keys\n\n" + "\n".join(table) + "\n"
