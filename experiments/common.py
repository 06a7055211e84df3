"""Helpers shared by the experiment scripts (not part of the package: the workflow never runs them)."""

from __future__ import annotations

import copy
from pathlib import Path

from reasoniqa.layout import Layout

ROOT = Path(__file__).resolve().parents[1]
# The workflow's artifacts, at the checkout's own results/ and resources/ (paths: reasoniqa.layout).
L = Layout(str(ROOT / "results"), str(ROOT / "resources"))


def stand_in_split(resources: str | Path, results: str | Path, dataset: str, split: str):
    """A stand-in's split from a finished run: (manifest frame, its measured features in the frame's
    order, the applied strength of each feature [N, FEATURES] from its recipe)."""
    import pandas as pd

    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.features import FEATURES
    from reasoniqa.labels import applied_strengths

    frame, _ = load_manifest(f"{resources}/{dataset}", split=split)
    measured = pd.read_csv(f"{results}/features/{dataset}.csv").set_index("name").loc[frame["name"], FEATURES]
    return frame, measured.reset_index(drop=True), applied_strengths(frame["distortions"])


def finished_run(run: str | Path, images: int) -> dict:
    """A finished workflow tree, entered (its records name their images relative to its root): its path,
    config, base model, level thresholds, and `images` seeded synth_koniq test images with their features."""
    import os

    import pandas as pd

    from reasoniqa.config import load_config
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.labels import load_thresholds
    from reasoniqa.sampling import subset

    run = Path(run).resolve()
    os.chdir(run)
    layout = Layout(str(run / "results"), str(run / "resources"))
    frame, _ = load_manifest(layout.dataset("synth_koniq"), split="test")
    return {"run": run, "cfg": load_config(run / "config/config.yaml"), "base": str(run / "results/models/base"),
            "thresholds": load_thresholds(layout.artifact("calibration")), "frame": subset(frame, images, 0),
            "features": pd.read_csv(layout.features("synth_koniq")).set_index("name")}


def write_result(results: str | Path, name: str, out: dict) -> Path:
    """An experiment's numbers as <results>/experiments/<name>.json."""
    import json

    path = Path(results) / "experiments" / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1))
    print("wrote", path)
    return path


def synth_koniq_variant(cfg: dict, crops: int, out: Path) -> tuple[Path, Path]:
    """synth_koniq re-synthesized with `crops` crops per photograph into `out`, and its measured
    features: (data folder, features CSV)."""
    from reasoniqa.data.synth import synthesize
    from reasoniqa.labels import measure_dataset

    spec = {**copy.deepcopy(cfg["datasets"]["synth_koniq"]), "crops_per_photo": crops}
    spec.pop("test_crops_per_photo", None)
    synthesize("synth_koniq", spec, out / "data", cfg["test_photos"], progress=False)
    measure_dataset(str(out / "data"), str(out / "features.csv"))
    return out / "data", out / "features.csv"


def accuracy(cfg, base: str, adapter: str, frame, features, thresholds) -> dict:
    from reasoniqa.descriptions import parse
    from reasoniqa.tables.description_accuracy import balanced_agreement, feature_agreement, majority_agreement
    from reasoniqa.features import levels_of
    from reasoniqa.prompts import Prompts
    from reasoniqa.model.load import load_method_model
    from reasoniqa.scoring import generate_texts

    model, proc = load_method_model(cfg, base, adapter)
    texts = generate_texts(model, proc, [Prompts(cfg, proc).describe()] * len(frame), list(frame["path"]), 32,
                           cfg["predict"]["max_new_tokens"], progress=False)
    parsed = [parse(t) for t in texts]
    truth = [levels_of(features.loc[n], thresholds) for n in frame["name"]]
    return {"accuracy": feature_agreement(parsed, truth), "majority_baseline": majority_agreement(truth),
            "balanced_accuracy": balanced_agreement(parsed, truth), "distinct_descriptions": len(set(texts))}

