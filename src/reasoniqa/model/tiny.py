"""The embedded default model: a tiny VLM of the configured family (`model.embedded.family`, LLaVA by
default) built from config with random weights, saved with `save_pretrained` so it loads back through
AutoModelForImageTextToText / AutoProcessor exactly like the family's real checkpoint."""

from __future__ import annotations

from pathlib import Path


def build_tiny(cfg: dict, out: str | Path, family: str | None = None, stamp: bool = False) -> None:
    """A tiny model of `family` (default: the config's `model.embedded.family`) in `out`."""
    from reasoniqa.model.families import get_family

    get_family(family or cfg["model"]["embedded"].get("family", "llava")).build_tiny(cfg, out, stamp)


def build_embedded(cfg: dict, out: str | Path, family: str | None = None) -> None:
    """The embedded default's base model, written atomically to `out`."""
    from reasoniqa import UserError

    if cfg["model"]["source"] != "embedded" and family is None:
        raise UserError(f"build-model builds the embedded model only; model.source is {cfg['model']['source']!r}")
    build_tiny(cfg, out, family, stamp=True)
