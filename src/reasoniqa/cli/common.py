"""What the step modules share: logging, the config, a method's model arguments."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

log = logging.getLogger("reasoniqa")


def setup_logging(log_file: str | None) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_file, mode="w"))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s",
                        handlers=handlers, force=True)


DEFAULT_CONFIG = "config/config.yaml"


def configs(a) -> list[str]:
    """The --config files given (a base, then overrides), or the default."""
    return a.config or [DEFAULT_CONFIG]


def cfg(a) -> dict:
    from reasoniqa.config import load_config

    return load_config(configs(a))


def model_args(s) -> None:
    """The method, its model and the split: shared by the steps that run a method's model."""
    from reasoniqa.methods import REGISTRY

    s.add_argument("--method", required=True, choices=list(REGISTRY))
    s.add_argument("--base", required=True)
    s.add_argument("--adapter", help="LoRA adapter folder (none: the zero-shot base)")
    s.add_argument("--split", default="test")
