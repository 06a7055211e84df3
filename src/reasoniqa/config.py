"""Load and validate the workflow config (the same JSON schema Snakemake validates against)."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import yaml

from reasoniqa import UserError

SCHEMA_PATH = Path(__file__).parent / "schemas" / "config.schema.yaml"


def _schema() -> dict:
    return yaml.safe_load(SCHEMA_PATH.read_text())


def _fill_defaults(node: dict, schema: dict) -> None:
    """Insert schema `default`s for missing keys (what snakemake.utils.validate(set_default=True) does)."""
    for key, sub in schema.get("properties", {}).items():
        if key not in node and "default" in sub:
            node[key] = copy.deepcopy(sub["default"])
        if isinstance(node.get(key), dict) and sub.get("type") == "object":
            _fill_defaults(node[key], sub)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and extra.get("type") == "object":
        for key, value in node.items():
            if key not in schema.get("properties", {}) and isinstance(value, dict):
                _fill_defaults(value, extra)


def validate_config(cfg: dict, source: str = "config") -> dict:
    """Validate against the schema and cross-field rules; return a copy with defaults filled in."""
    import jsonschema

    if not isinstance(cfg, dict):
        raise UserError(f"{source}: top level must be a mapping, got {type(cfg).__name__}")
    schema = _schema()
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(cfg))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        raise UserError(f"{source}: {where}: {error.message}")
    cfg = copy.deepcopy(cfg)
    cfg.setdefault("labels", {})
    _fill_defaults(cfg, schema)
    from reasoniqa.methods import REGISTRY

    unknown = [m for m in [*cfg["methods"], cfg["evaluate"]["reference_method"]] if m not in REGISTRY]
    if unknown:
        raise UserError(f"{source}: methods: unknown method {unknown[0]!r} (known: {', '.join(REGISTRY)})")
    from reasoniqa.rule_config import RULE_CONFIG

    unknown = sorted(set(cfg["resources"]["runtime_min"]) - set(RULE_CONFIG) - {"default"})
    if unknown:
        raise UserError(f"{source}: resources.runtime_min: no rule named {unknown[0]!r} (rules: reasoniqa.rule_config)")
    for key in ("train_datasets", "test_datasets", "ladder_datasets"):
        for name in cfg[key]:
            if name not in cfg["datasets"]:
                raise UserError(f"{source}: {key}: dataset {name!r} is not defined under datasets")
            if (key == "ladder_datasets") != (cfg["datasets"][name]["kind"] == "ladder"):
                raise UserError(f"{source}: {key}: dataset {name!r} is of kind {cfg['datasets'][name]['kind']!r}; "
                                "ladders are listed in ladder_datasets only")
    from reasoniqa.features import level_quantiles

    try:
        level_quantiles(cfg["labels"].get("quantiles"))
    except UserError as exc:
        raise UserError(f"{source}: {exc}") from None
    levels = cfg["levels"]
    if len(levels["words"]) != len(levels["weights"]):
        raise UserError(f"{source}: levels: {len(levels['words'])} words but {len(levels['weights'])} weights")
    if len(set(levels["words"])) != len(levels["words"]):
        raise UserError(f"{source}: levels.words: duplicate level word")
    for name, spec in cfg["datasets"].items():
        if spec["kind"] == "synthetic":
            if not cfg["test_photos"]:
                raise UserError(f"{source}: test_photos: synthetic dataset {name!r} needs held-out photographs")
            for key in ("distortions", "distortions_per_image", "mos_scale"):
                if key not in spec:
                    raise UserError(f"{source}: datasets.{name}: synthetic datasets need {key!r}")
        if spec["kind"] == "ladder":
            for key in ("distortions", "strengths", "contents"):
                if key not in spec:
                    raise UserError(f"{source}: datasets.{name}: ladder datasets need {key!r}")
            rungs = [f"{s:.2f}" for s in spec["strengths"]]
            if len(set(rungs)) != len(rungs):
                raise UserError(f"{source}: datasets.{name}.strengths: rungs must differ in their first two decimals")
        lo, hi = spec.get("mos_scale", [0, 1])
        if not lo < hi:
            raise UserError(f"{source}: datasets.{name}.mos_scale: low {lo} must be below high {hi}")
    return cfg


def merge_into(base: dict, override: dict) -> dict:
    """`override` merged into `base` in place, as Snakemake merges its config files: mappings key by key
    (recursively), anything else replaced."""
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge_into(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def read_yaml(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"config file not found: {path}")
    try:
        cfg = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(cfg, dict):
        raise UserError(f"{path}: top level must be a mapping, got {type(cfg).__name__}")
    return cfg


def load_config(paths: str | Path | list) -> dict:
    """One config file, or a base and its overrides (merged in order, as `snakemake --configfile`
    merges them onto the Snakefile's `configfile:`), validated with defaults filled in."""
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    merged: dict = {}
    for path in paths:
        merge_into(merged, read_yaml(path))
    return validate_config(merged, source=" + ".join(map(str, paths)))


def dataset_spec(cfg: dict, name: str, synthetic: bool) -> dict:
    """A dataset's entry, of the kind the step makes (synthesize: synthetic; fetch/prepare: real)."""
    if name not in cfg["datasets"]:
        raise UserError(f"dataset {name!r} is not defined in the config (known: {', '.join(cfg['datasets'])})")
    spec = cfg["datasets"][name]
    if synthetic and spec["kind"] not in ("synthetic", "ladder"):
        raise UserError(f"dataset {name!r} is a real dataset ({spec['kind']}): use `reasoniqa fetch`")
    if not synthetic and spec["kind"] in ("synthetic", "ladder"):
        raise UserError(f"dataset {name!r} is synthetic: use `reasoniqa synthesize`")
    return spec


def model_section(cfg: dict) -> dict:
    """The part of the `model` section a model step depends on: the embedded model's sizes
    (model.embedded) only where that model is the source; a real checkpoint's results must not rerun when
    they are edited (the base config carries them under every paper config)."""
    model = cfg.get("model") or {}
    return {k: v for k, v in model.items() if k != "embedded" or model.get("source") == "embedded"}


def section_hash(*sections) -> str:
    """Stable hash of config sections, recorded next to artifacts they produced."""
    blob = json.dumps(sections, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
