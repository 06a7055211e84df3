"""A method over the test splits of dataset folders, one output file per dataset: the workflow's
per-method jobs (score, sample, lens, intervention, classical baselines). The model loads once per job.
"""

from __future__ import annotations

import logging

from reasoniqa import UserError

log = logging.getLogger("reasoniqa")


def paired(**lists: list) -> list[tuple]:
    """Per-dataset argument lists given in the same order (--data D1 D2 --out O1 O2)."""
    if len({len(v) for v in lists.values()}) != 1:
        counts = ", ".join(f"{len(v)} --{n}" for n, v in lists.items())
        raise UserError(f"give one of each per dataset, in the same order (got {counts})")
    return list(zip(*lists.values()))


def descriptions_of(predictions: str, frame) -> list[str]:
    """The descriptions a method wrote for the frame's images (its predictions file)."""
    import pandas as pd

    pred = pd.read_csv(predictions, keep_default_na=False).set_index("name")
    missing = sorted(set(frame["name"]) - set(pred.index))
    if missing:
        raise UserError(f"{predictions}: no prediction for image {missing[0]!r} ({len(missing)} missing)")
    return [str(d) for d in pred.loc[frame["name"], "description"]]


def score_split(cfg: dict, method: str, base: str, adapter: str | None, data: list[str], split: str,
                outs: list[str]) -> None:
    """The method's scores of one split of each dataset, with one model load for all of them."""
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.io import write_csv
    from reasoniqa.model.load import load_method_model
    from reasoniqa.scoring import score_frame

    # every folder read before the model loads
    frames = [(load_manifest(folder, split=split)[0], out) for folder, out in paired(data=data, out=outs)]
    model, processor = load_method_model(cfg, base, adapter)
    for frame, out in frames:
        pred = score_frame(cfg, method, model, processor, frame)
        write_csv(out, pred)
        log.info("scored %d images -> %s", len(pred), out)


def rate_measured_split(cfg: dict, method: str, base: str, adapter: str | None, data: list[str],
                        features: list[str], calibration: str, split: str, outs: list[str]) -> None:
    """The method's rater fed a perfect stage 1's descriptions (measured feature levels) of one split of each
    dataset (`features`: each dataset's measured features, in the same order), with one model load."""
    import pandas as pd

    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.io import write_csv
    from reasoniqa.labels import check_described, load_thresholds
    from reasoniqa.methods import get_method
    from reasoniqa.model.load import load_method_model
    from reasoniqa.records import measured_descriptions
    from reasoniqa.scoring import predictions_frame

    if cfg["labels"].get("teacher"):
        raise UserError("labels.teacher is set: the raters learned a teacher's wording, which descriptions from "
                        "measured levels do not follow; the ceiling needs template descriptions")
    check_described(cfg, calibration)
    thresholds, described = load_thresholds(calibration), []
    for folder, feature_csv, out in paired(data=data, features=features, out=outs):
        frame, meta = load_manifest(folder, split=split)
        texts = measured_descriptions(frame["name"], pd.read_csv(feature_csv), thresholds, meta["name"], cfg)
        described.append((frame, texts, out))
    model, processor = load_method_model(cfg, base, adapter)
    for frame, texts, out in described:
        probs = get_method(method).rate_descriptions(cfg, model, processor, list(frame["path"]), texts)
        write_csv(out, predictions_frame(cfg, frame, texts, probs))
        log.info("rated %d measured descriptions -> %s", len(frame), out)


def sample_split(cfg: dict, method: str, base: str, adapter: str | None, data: list[str], split: str,
                 temperatures: list[float] | None, outs: list[str]) -> None:
    """K sampled answers per image of a seeded subset, one file per temperature and dataset
    (temperature-major)."""
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.io import write_jsonl
    from reasoniqa.sampling import sample_answers, subset
    from reasoniqa.model.load import load_method_model

    ins = cfg["instability"]
    temperatures = temperatures or [ins["temperature"]]
    if len(outs) != len(temperatures) * len(data):
        raise UserError(f"give one --out per temperature and dataset, temperature-major (got {len(outs)} --out "
                        f"for {len(temperatures)} temperatures x {len(data)} --data)")
    model, processor = load_method_model(cfg, base, adapter)
    for j, folder in enumerate(data):
        frame, _ = load_manifest(folder, split=split)
        frame = subset(frame, ins["max_images"], ins["seed"])
        for i, temperature in enumerate(temperatures):
            out = outs[i * len(data) + j]
            answers = sample_answers(cfg, method, model, processor, list(frame["path"]), temperature)
            write_jsonl(out, [{"name": n, **ans} for n, ans in zip(frame["name"], answers)])
            log.info("sampled %d x %d answers at T=%g -> %s", len(frame), ins["k"], temperature, out)


def analyze_split(cfg: dict, method: str, base: str, adapter: str | None, data: list[str], split: str,
                  predictions: list[str], outs: list[str]) -> None:
    """Logit lens and attention at the quality token, over the method's own descriptions."""
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.io import write_json
    from reasoniqa.lens import analyze
    from reasoniqa.sampling import subset
    from reasoniqa.model.load import load_method_model

    jobs = paired(data=data, predictions=predictions, out=outs)
    model, processor = load_method_model(cfg, base, adapter, attn="eager")
    for folder, pred_file, out in jobs:
        frame, _ = load_manifest(folder, split=split)
        frame = subset(frame, cfg["analysis"]["samples"], cfg["analysis"]["seed"])
        records = analyze(cfg, method, model, processor, list(frame["path"]), descriptions_of(pred_file, frame))
        write_json(out, {"method": method, "samples": [{"name": n, **r} for n, r in zip(frame["name"], records)]})
        log.info("lens and attention of %d images -> %s", len(records), out)


def intervene_split(cfg: dict, method: str, base: str, adapter: str | None, data: list[str], split: str,
                    predictions: list[str], outs: list[str]) -> None:
    """Each image's own description edited one feature at a time, and the edited one scored."""
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.intervention import edits_frame, intervene
    from reasoniqa.io import write_csv
    from reasoniqa.sampling import subset
    from reasoniqa.model.load import load_method_model

    jobs = paired(data=data, predictions=predictions, out=outs)
    model, processor = load_method_model(cfg, base, adapter)
    for folder, pred_file, out in jobs:
        frame, _ = load_manifest(folder, split=split)
        frame = subset(frame, cfg["intervention"]["max_images"], cfg["intervention"]["seed"])
        rows = intervene(cfg, method, model, processor, list(frame["path"]), descriptions_of(pred_file, frame))
        table = edits_frame(rows, list(frame["name"]))
        write_csv(out, table)
        log.info("%d edits of %d descriptions -> %s", len(table), len(frame), out)


def classical_split(method: str, models: str, data: list[str], split: str, outs: list[str]) -> None:
    """A classical baseline's scores; deterministic, so every seed's file (dataset-minor) is the same."""
    from reasoniqa.classical import score_frame
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.io import write_csv

    if not outs or len(outs) % len(data):
        raise UserError(f"give one --out per seed and dataset, dataset-minor (got {len(outs)} --out for "
                        f"{len(data)} --data)")
    for j, folder in enumerate(data):
        frame, _ = load_manifest(folder, split=split)
        pred = score_frame(method, frame, models)
        for out in outs[j :: len(data)]:
            write_csv(out, pred)
        log.info("%s scored %d images of %s", method, len(pred), folder)
