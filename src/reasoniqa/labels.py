"""The labels stage: measure features per dataset, calibrate thresholds, write records, validate."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from reasoniqa import UserError
from reasoniqa.features import FEATURES, LEVELS, calibrate, empty_levels, levels_of, measure
from reasoniqa.io import save_png, write_csv, write_json, write_jsonl, write_table

log = logging.getLogger(__name__)


def _measure_file(path: str) -> dict[str, float]:
    from reasoniqa.images import load_image

    return measure(np.asarray(load_image(path)))


def measure_dataset(data_dir: str, out_csv: str, workers: int = 1) -> int:
    """Raw feature values of every image of a dataset (references included), each image decoded once,
    measured in `workers` processes (features are per image and CPU-bound: a real dataset's 10k
    full-resolution images take tens of minutes on one core)."""
    import pandas as pd
    from tqdm import tqdm

    from reasoniqa.data.manifest import load_manifest

    frame, _ = load_manifest(data_dir, references=True)
    paths = list(frame["path"])
    bar = dict(total=len(paths), desc="features")
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers) as pool:
            values = list(tqdm(pool.map(_measure_file, paths, chunksize=16), **bar))
    else:
        values = [_measure_file(p) for p in tqdm(paths, **bar)]
    rows = [{"name": n, "split": s, **v} for n, s, v in zip(frame["name"], frame["split"], values)]
    write_csv(out_csv, pd.DataFrame(rows, columns=["name", "split", *FEATURES]))
    return len(rows)


def calibrate_files(feature_files: list[str], out_json: str, quantiles: dict | None = None,
                    features: list[str] | None = None) -> dict:
    """Thresholds from the training split of the training datasets (`quantiles`: the config's
    labels.quantiles, overrides of features.QUANTILES), for every feature; `features` (labels.features)
    are the ones descriptions name, stored with them so every later step reads one list."""
    import pandas as pd

    from reasoniqa.features import described, level_quantiles

    named = described(features)  # checked before the measurements are read

    train = pd.concat([pd.read_csv(f) for f in feature_files])
    train = train[train["split"] == "train"]
    thresholds = calibrate(train, quantiles)
    for feature, level in empty_levels(train, thresholds):  # the descriptions will never name it
        log.warning("labels: no training image is measured %s %r (cuts %s at quantiles %s: tied values)", feature,
                    level, [round(t, 4) for t in thresholds[feature]], level_quantiles(quantiles)[feature])
    write_json(out_json, {"thresholds": thresholds, "levels": LEVELS, "quantiles": level_quantiles(quantiles),
                          "described": named, "n_train_images": len(train),
                          "calibrated_on": [Path(f).stem for f in feature_files]})
    return thresholds


def check_described(cfg: dict, calibration: str) -> None:
    """The config's labels.features must be what the calibration recorded: the records' descriptions
    follow the calibration, the describe question and grounding the config. A calibration from another
    config (DVC tracks only keys the config file sets) is refused in one line."""
    from reasoniqa.features import described

    wanted = described(cfg["labels"].get("features"))
    recorded = json.loads(Path(calibration).read_text()).get("described", FEATURES)
    if recorded != wanted:
        raise UserError(f"{calibration} describes {', '.join(recorded)} but labels.features is "
                        f"{', '.join(wanted)}: rerun the calibrate step")


def load_thresholds(path: str, every_feature: bool = False) -> dict:
    """Level thresholds per feature of a calibration file: of the features its descriptions name (what
    features.levels_of then quantizes), or with `every_feature` of all six (the feature validation)."""
    calibration = json.loads(Path(path).read_text())
    named = FEATURES if every_feature else calibration.get("described", FEATURES)  # (older files: all six)
    return {f: calibration["thresholds"][f] for f in FEATURES if f in named}  # in FEATURES order


def write_records(cfg: dict, dataset: str, data_dir: str, features_csv: str, calibration: str,
                  out_dir: str) -> dict[str, int]:
    import pandas as pd

    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.records import all_records

    check_described(cfg, calibration)
    frame, _ = load_manifest(data_dir)
    teacher = teacher_descriptions(cfg, list(frame["path"])) if cfg["labels"].get("teacher") else None
    records = all_records(frame, pd.read_csv(features_csv), load_thresholds(calibration), dataset, cfg, teacher)
    for kind, rows in records.items():
        write_jsonl(Path(out_dir) / f"{kind}.jsonl", rows)
    return {k: len(v) for k, v in records.items()}


def teacher_descriptions(cfg: dict, paths: list[str]) -> list[str]:
    """Descriptions written by a teacher VLM (config labels.teacher: model id or local folder), greedy,
    with the stage-1 prompt; the alternative to descriptions from measured features."""
    from reasoniqa.prompts import Prompts
    from reasoniqa.model.load import load_method_model
    from reasoniqa.scoring import generate_texts

    model, processor = load_method_model(cfg, cfg["labels"]["teacher"], None)
    return generate_texts(model, processor, [Prompts(cfg, processor).describe()] * len(paths), paths,
                          cfg["predict"]["batch_size"], cfg["predict"]["max_new_tokens"])


# Which applied distortion each measured feature should track; for exposure the signed strength
# (bright minus dark) is compared, for colour and contrast the strength of their loss (inverted).
# JPEG 2000 (and LIVE's fast fading, JPEG 2000 plus smeared blocks) removes fine detail by quantizing
# wavelet coefficients: it is seen, and described, as blur (no 8x8 blocks to call compression).
GROUND_TRUTH = {
    "blur": (["blur", "jp2k", "fastfading"], 1), "noise": (["noise", "pinknoise"], 1), "compression": (["jpeg"], 1),
    "exposure": (["bright", "dark"], 1), "contrast": (["contrast"], -1), "colour": (["desaturate"], -1),
}


def true_strength(distortions: dict, feature: str) -> float:
    """The applied strength a feature should track (a stand-in's recipe, `parse_distortions`)."""
    names, _ = GROUND_TRUTH[feature]
    if feature == "exposure":
        return distortions.get("bright", 0.0) - distortions.get("dark", 0.0)
    return max((distortions.get(n, 0.0) for n in names), default=0.0)


def applied_strengths(distortions) -> np.ndarray:
    """[N, len(FEATURES)]: true_strength of every feature for a manifest's `distortions` column."""
    from reasoniqa.data.manifest import parse_distortions

    return np.array([[true_strength(parse_distortions(d), f) for f in FEATURES] for d in distortions], float)


def true_level(strength: float, feature: str) -> str:
    """The level a perfect measurement would name for an applied strength."""
    levels = LEVELS[feature]
    if feature == "exposure":
        return "dark" if strength < -0.2 else "bright" if strength > 0.2 else "normal"
    if feature == "contrast":
        return "low" if strength > 0.3 else "normal"
    if feature == "colour":
        return "muted" if strength > 0.3 else "natural"  # 'vivid' is never applied
    return levels[int(np.digitize(strength, [1e-9, 1 / 3, 2 / 3]))]


def validate(data_dirs: list[str], feature_files: list[str], calibration: str, table_out: str,
             figure_out: str) -> None:
    """Measured level vs applied distortion strength on the synthetic stand-ins (their ground truth)."""
    if len(data_dirs) != len(feature_files):
        raise UserError("--data and --features need the same number of entries, in the same order")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns
    from scipy import stats

    from reasoniqa.data.manifest import load_manifest, parse_distortions

    thresholds = load_thresholds(calibration, every_feature=True)
    rows = []
    for data_dir, feat_file in zip(data_dirs, feature_files):
        frame, meta = load_manifest(data_dir, split="test")
        feats = pd.read_csv(feat_file).set_index("name").loc[frame["name"]]
        for name, dist, (_, f) in zip(frame["name"], frame["distortions"], feats.iterrows()):
            applied = parse_distortions(dist)
            lv = levels_of(f, thresholds)
            for feature in FEATURES:
                strength = true_strength(applied, feature)
                rows.append({"dataset": meta["name"], "feature": feature, "value": f[feature],
                             "level": lv[feature], "level_index": LEVELS[feature].index(lv[feature]),
                             "strength": strength, "true_level": true_level(strength, feature)})
    data = pd.DataFrame(rows)
    summary = []
    for feature, part in data.groupby("feature", sort=False):
        sign = GROUND_TRUTH[feature][1]
        applied = part[part["strength"] != 0]
        srcc = stats.spearmanr(part["level_index"], sign * part["strength"]).statistic
        # the same over the stand-ins whose recipe applies the distortion at all (the others only add
        # undistorted images, whose content spreads the measurement)
        where = part[part["dataset"].isin(set(applied["dataset"]))]
        summary.append({"feature": feature, "images": len(part), "with_distortion": len(applied),
                        "srcc_level_vs_strength": srcc,
                        "srcc_where_applied": stats.spearmanr(where["level_index"], sign * where["strength"]).statistic,
                        "srcc_value_vs_strength": stats.spearmanr(part["value"], sign * part["strength"]).statistic,
                        "level_accuracy": float((part["level"] == part["true_level"]).mean())})
    table = pd.DataFrame(summary)
    write_table(table_out, table, ".3f")
    fig, axes = plt.subplots(1, len(FEATURES), figsize=(3.0 * len(FEATURES), 3.0))
    for ax, feature in zip(axes, FEATURES):
        part = data[data["feature"] == feature]
        cm = pd.crosstab(pd.Categorical(part["true_level"], LEVELS[feature]),
                         pd.Categorical(part["level"], LEVELS[feature]), dropna=False)
        sns.heatmap(cm, annot=True, fmt="d", cbar=False, cmap="Blues", ax=ax)
        ax.set_title(feature)
        ax.tick_params(axis="y", labelrotation=0)
        ax.set_xlabel("measured level")
        ax.set_ylabel("applied (ground truth)" if feature == FEATURES[0] else "")
    fig.suptitle("Measured feature levels vs applied distortions (stand-in test splits)")
    fig.tight_layout()
    save_png(fig, figure_out, dpi=110)


# SPAQ's per-image attribute scores (0-100, from its label sheet) and the measured feature each one
# speaks to, with the sign expected if both measure the same thing: sharpness falls as blur rises.
SPAQ_ATTRIBUTES = {"Brightness": ("exposure", 1), "Colorfulness": ("colour", 1), "Contrast": ("contrast", 1),
                   "Noisiness": ("noise", 1), "Sharpness": ("blur", -1)}


def validate_attributes(data_dir: str, features_csv: str, table_out: str) -> None:
    """Measured features against SPAQ's attribute scores (the check on real photographs): Spearman per
    attribute over every image, and its sign as expected. Images are matched by name to the label sheet
    the prepare step read (the folder's `raw/` link)."""
    import pandas as pd
    from scipy import stats

    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.data.real import REGISTRY

    frame, meta = load_manifest(data_dir)
    if meta.get("kind") != "spaq":
        raise UserError(f"{data_dir}: attribute scores exist for SPAQ only (this dataset is {meta.get('kind')!r})")
    sheet = pd.read_excel(Path(data_dir) / "raw" / REGISTRY["spaq"].labels)
    missing = sorted(set(SPAQ_ATTRIBUTES) - set(sheet.columns))
    if missing:
        raise UserError(f"SPAQ label sheet: no attribute column {missing[0]!r}")
    feats = pd.read_csv(features_csv).set_index("name")
    joined = sheet.set_index("Image name").join(feats, how="inner")
    if len(joined) < len(frame):
        raise UserError(f"{features_csv}: {len(frame) - len(joined)} images have no measured features")
    rows = []
    for attribute, (feature, sign) in SPAQ_ATTRIBUTES.items():
        rho = float(stats.spearmanr(joined[attribute], joined[feature]).statistic)
        rows.append({"attribute": attribute, "feature": feature, "expected_sign": sign, "images": len(joined),
                     "spearman": rho, "agrees": bool(sign * rho > 0)})
    write_table(table_out, pd.DataFrame(rows), ".3f")
