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


def sampled_agreement(levels: list[str], words: list[str], greedy: str | None = None) -> dict:
    """What K sampled answers for one image say about its rating's stability (the paper's repeated-query
    test for one image): `agreement`, the share of the K answers that name the most common level (an
    answer naming no level agrees with nothing; 1.0 = all K name the same level), that level (a tie goes
    to the greedy answer's level, then to the lower level), and how many answers named each level."""
    from collections import Counter

    from reasoniqa.sampling import NO_LEVEL

    counts = Counter(levels)
    named = {w: counts[w] for w in words if counts[w]}
    modal = max(named, key=lambda w: (named[w], w == greedy, -words.index(w))) if named else None
    return {"agreement": round(named[modal] / len(levels), 4) if modal else 0.0, "modal_level": modal,
            "sampled_levels": {**named, **({"none": counts[NO_LEVEL]} if counts[NO_LEVEL] else {})}}


def predict(cfg: dict, method: str, seed: int, paths: list[str], as_json: bool, results: str = "results",
            base: str | None = None, samples: int | None = None, temperature: float | None = None) -> None:
    """Greedy description, level and score per image; with `samples` K, also K sampled answers at
    `temperature` (default: the config's instability.temperature) and their agreement."""
    from reasoniqa.images import load_image
    from reasoniqa.model.load import load_method_model
    from reasoniqa.scoring import predict_paths

    if samples is not None and samples < 2:
        raise UserError(f"--samples must be at least 2 to measure agreement, got {samples}")
    if temperature is not None and samples is None:
        raise UserError("--temperature sets the sampling of --samples: give --samples K too")
    if temperature is not None and temperature <= 0:
        raise UserError(f"--temperature must be above 0 for sampled answers, got {temperature}")
    images = collect_images(paths)
    progress = any(Path(p).is_dir() for p in paths)  # a bar on stderr for folders; stdout stays the table
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
    out = predict_paths(cfg, method, model, processor, images, progress=progress)
    rows = [{"path": p, "description": d, "level": lv, "score": round(float(s), 4)}
            for p, d, lv, s in zip(images, out["description"], out["level"], out["score"])]
    if samples is not None:
        import numpy as np

        from reasoniqa.instability import answer_stats
        from reasoniqa.sampling import sample_answers

        sampling_cfg = {**cfg, "instability": {**cfg["instability"], "k": samples}}
        t = cfg["instability"]["temperature"] if temperature is None else temperature
        sampled = sample_answers(sampling_cfg, method, model, processor, images, t, progress=progress)
        words = cfg["levels"]["words"]
        # Table 2's per-image measures over the answers naming a level (undefined, None, under two)
        table2 = answer_stats([a["levels"] for a in sampled], words, cfg["levels"]["weights"])
        for i, (row, answers) in enumerate(zip(rows, sampled)):
            row.update(samples=samples, temperature=t, **sampled_agreement(answers["levels"], words, row["level"]),
                       **{k: None if np.isnan(table2[k][i]) else round(float(table2[k][i]), 4)
                          for k in ("unstable", "disagreement", "valid_share")})
    if as_json:
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for row in rows:  # one CSV cell: "good:3 fair:2"
            if "sampled_levels" in row:
                row["sampled_levels"] = " ".join(f"{w}:{n}" for w, n in row["sampled_levels"].items())
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
