"""`reasoniqa predict PATH...`: rate users' own images with a trained method from results/."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from reasoniqa import UserError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".gif"}


def collect_images(paths: list[str]) -> list[str]:
    """Files as given (any extension: a non-image fails when decoded, naming it) and the images inside
    folders (recursively, sorted)."""
    found = []
    for p in map(Path, paths):
        if p.is_dir():
            inside = sorted(str(f) for f in p.rglob("*") if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES)
            if not inside:
                raise UserError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in folder {p}")
            found += inside
        elif p.is_file():
            found.append(str(p))
        else:
            raise UserError(f"no such file or folder: {p}")
    return found


def method_artifacts(cfg: dict, method: str, seed: int, results: str = "results") -> tuple[str, str | None]:
    """(base model, adapter) a method's predictions use, as the workflow wrote them."""
    from reasoniqa.layout import Layout
    from reasoniqa.methods import get_method

    layout = Layout(results)
    embedded = cfg["model"]["source"] == "embedded"
    workflow_base = layout.artifact("base_model") if embedded else cfg["model"]["source"]
    base, adapter = get_method(method).model_paths(layout, seed, workflow_base)
    built_here = [base] if embedded or base != workflow_base else []  # a hub id is not a local path
    for needed in built_here + ([adapter] if adapter else []):
        if not Path(needed).exists():
            raise UserError(f"{method}: trained artifact {needed} is missing; build it first "
                            f"(snakemake --cores all --resources gpu=1)")
    return base, adapter


def predict(cfg: dict, method: str, seed: int, paths: list[str], as_json: bool, results: str = "results",
            base: str | None = None) -> None:
    from reasoniqa.images import load_image
    from reasoniqa.model.load import load_method_model
    from reasoniqa.scoring import predict_paths

    images = collect_images(paths)
    for path in images:  # fail before loading the model, naming the first bad file
        load_image(path)
    if base is not None:
        from reasoniqa.methods import get_method

        if get_method(method).trained:
            raise UserError(f"--base rates with an untrained model: use --method zero_shot, not {method}")
        adapter = None
    else:
        base, adapter = method_artifacts(cfg, method, seed, results)
    model, processor = load_method_model(cfg, base, adapter)
    out = predict_paths(cfg, method, model, processor, images, progress=False)
    rows = [{"path": p, "description": d, "level": lv, "score": round(float(s), 4)}
            for p, d, lv, s in zip(images, out["description"], out["level"], out["score"])]
    if as_json:
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        writer = csv.DictWriter(sys.stdout, fieldnames=["path", "description", "level", "score"])
        writer.writeheader()
        writer.writerows(rows)
