"""Instability (Table 2's measure) against the sampling temperature, for the trained models of a
finished `make run` (issue #5: at T=1.0 every trained tiny model is unstable on every image, so the
table cannot separate the methods; lower temperatures show where they differ).

Same images (the seeded `instability.max_images` subset of each test split), K and seed as the workflow;
only the temperature changes. Writes results/experiments/instability_temperature.json.

    .venv/bin/python experiments/instability_temperature.py [--temperatures 0.1 0.3 0.5 0.7 1.0] [--seed 0]
"""

from __future__ import annotations

import argparse
import copy
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def method_paths(method: str, seed: int) -> tuple[str, str | None]:
    """(base, adapter) of a method's trained artifacts, as workflow/rules/common.smk names them."""
    base = str(ROOT / "results/models/base")
    if method == "zero_shot":
        return base, None
    if method == "two_stage":
        return (str(ROOT / f"results/models/two_stage/seed{seed}/stage1_merged"),
                str(ROOT / f"results/adapters/two_stage/seed{seed}/stage2"))
    return base, str(ROOT / f"results/adapters/{method}/seed{seed}")


def main() -> None:
    import numpy as np

    from reasoniqa.config import load_config
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.sampling import instability_stats, sample_answers, subset
    from reasoniqa.scoring import load_method_model

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--temperatures", type=float, nargs="+", default=[0.1, 0.3, 0.5, 0.7, 1.0])
    ap.add_argument("--seed", type=int, default=0, help="training seed of the adapters")
    ap.add_argument("--out", default=str(ROOT / "results/experiments/instability_temperature.json"))
    args = ap.parse_args()
    cfg = load_config(ROOT / "config/config.yaml")
    ins, words, weights = cfg["instability"], cfg["levels"]["words"], cfg["levels"]["weights"]
    results = {}
    for method in cfg["methods"]:
        model, processor = load_method_model(cfg, *method_paths(method, args.seed))
        results[method] = {}
        for temperature in args.temperatures:
            run = copy.deepcopy(cfg)
            run["instability"]["temperature"] = temperature
            levels = []
            for dataset in cfg["test_datasets"]:
                frame, _ = load_manifest(ROOT / "resources" / dataset, split="test")
                frame = subset(frame, ins["max_images"], ins["seed"])
                levels += [a["levels"] for a in sample_answers(run, method, model, processor, list(frame["path"]),
                                                               progress=False)]
            stats = instability_stats(levels, words, weights)
            results[method][str(temperature)] = {
                "images": len(levels), "instability": float(stats["unstable"].mean()),
                "entropy_bits": float(stats["entropy"].mean()), "score_std": float(np.nanmean(stats["spread"])),
            }
            print(method, temperature, json.dumps(results[method][str(temperature)]), flush=True)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"k": ins["k"], "seed": args.seed, "results": results}, indent=2) + "\n")


if __name__ == "__main__":
    main()
