"""Stage 0 of the embedded base: teach its random-init vision tower to see the basic visual features.

A real base VLM (mPLUG-Owl2, LLaVA, Qwen-VL) arrives with a pretrained vision encoder; the embedded one is
random. Learning to see noise or compression through the language-model loss of stage 1 alone failed
here, while the same tower with a direct objective learns noise in under a minute; stage 1 from that
base names noise with balanced accuracy 0.70 instead of 0.47, compression 0.50 instead of 0.41 (chance
0.25; compression then measured by the estimator before jpeg_quantization;
docs/experiments/vision_pretrain.json, README "What it took for stage 1 to learn a degradation" item 6).
So the embedded base gets a short pretraining of its vision tower and projector: a linear head on the
pooled image tokens the language model receives as its input regresses the six measured features
(features.FEATURES) of the training datasets' training images (Qwen3-VL's deepstack features and
LLaVA-OneVision's image_newline, which reach the language model another way, stay as built). The head is
dropped; every method then starts from this base, as every method of the paper starts from one pretrained
VLM. No test image and no MOS is seen. On CPU two runs give the same weights (the same losses to the last
digit, measured); on a GPU not bit for bit (train.py's deterministic setting is not applied here).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from reasoniqa import UserError

log = logging.getLogger("reasoniqa")


def enabled(cfg: dict) -> bool:
    """Whether the workflow pretrains the base's vision tower: the embedded model, with steps set."""
    spec = cfg["model"]["embedded"].get("vision_pretrain") or {}
    return cfg["model"]["source"] == "embedded" and spec.get("steps", 0) > 0


def rank_normal(values: np.ndarray) -> np.ndarray:
    """Each column to normal scores of its ranks: the measurements are heavy-tailed (on synth_koniq's
    training split blur reaches 8.3 standard deviations above its mean), which a squared loss on raw
    values would spend itself on; tied values (compression 0, no JPEG found, for 77 %) share one score."""
    from scipy.stats import norm, rankdata

    return norm.ppf((rankdata(values, axis=0) - 0.5) / len(values))


def image_inputs(processor, paths) -> list[dict]:
    """Each image's vision inputs, as the family's processor makes them for a conversation (floats as
    float32: the optimizer's precision, as in training). All kept in memory: stage 0 is for the embedded
    model, whose processor makes them small (3,456 images at 64 px: 170 MB)."""
    from reasoniqa.images import load_image

    def one(path):
        out = processor.image_processor([load_image(path)], return_tensors="pt")
        return {k: v.float() if v.is_floating_point() else v for k, v in out.items()}

    return [one(p) for p in paths]


def pooled_image_tokens(model, per_image: list[dict]):
    """[images, 2 * hidden]: mean and max over each image's tokens after the projector (what the language
    model reads)."""
    import torch

    from reasoniqa.batching import stack_images
    from reasoniqa.device import to_model

    # [images, tokens, hidden], or one tensor per image (Qwen-VL splits its flat patch rows by image)
    tokens = model.get_image_features(**to_model(stack_images(per_image), model)).pooler_output
    return torch.stack([torch.cat([t.mean(0), t.amax(0)]) for t in tokens])


def vision_parameters(model) -> list:
    """The vision tower and the projector (their module names: reasoniqa.model.families): what stage 0
    trains, and the language model it leaves alone."""
    from reasoniqa.model.families import family_of

    family = family_of(model.config.model_type)
    names = [m for m in (family.vision_tower, family.projector) if m]
    return [p for n, p in model.named_parameters() if any(f".{m}." in f".{n}" for m in names)]


def pretrain_vision(model, processor, paths: list[str], targets: np.ndarray, spec: dict, seed: int,
                    progress: bool = True) -> tuple[dict, object]:
    """Train `model`'s vision side in place to regress `targets` [images, k] of `paths`: (statistics, the
    linear head, for a caller that probes what the tower learned)."""
    import torch
    from tqdm import tqdm

    if spec["steps"] < 3:
        raise UserError(f"model.embedded.vision_pretrain.steps: {spec['steps']} (0: off; else at least 3)")
    params = vision_parameters(model)
    if not params:
        raise UserError(f"model.embedded.vision_pretrain: no vision tower found in this {model.config.model_type} model")
    inputs = image_inputs(processor, paths)
    y = torch.tensor(targets, dtype=torch.float32)
    with torch.no_grad():  # the head in float32 on the pooled tokens' device, whatever the model's dtype and placement
        device = pooled_image_tokens(model, inputs[:1]).device
    torch.manual_seed(seed)
    head = torch.nn.Linear(2 * model.get_input_embeddings().weight.shape[1], y.shape[1]).to(device)
    opt = torch.optim.AdamW(params + list(head.parameters()), lr=spec["lr"], weight_decay=0.01)
    # Warm-up over 5 % of the steps, at least two (OneCycleLR divides by its warm-up length minus one).
    warmup = max(0.05, 2.0 / spec["steps"])
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, spec["lr"], total_steps=spec["steps"], pct_start=warmup)
    gen = torch.Generator().manual_seed(seed)
    losses = []
    model.train()
    bar = tqdm(range(spec["steps"]), desc="pretrain vision", disable=not progress)
    for _ in bar:
        idx = torch.randint(0, len(y), (spec["batch_size"],), generator=gen)
        guess = head(pooled_image_tokens(model, [inputs[i] for i in idx]).float())
        loss = torch.nn.functional.mse_loss(guess, y[idx].to(device))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
        bar.set_postfix(loss=f"{loss.item():.3f}")
    model.eval()
    stats = {"steps": spec["steps"], "images": len(paths), "loss_first_50_mean": float(np.mean(losses[:50])),
             "loss_last_50_mean": float(np.mean(losses[-50:]))}
    return stats, head


def training_images(data_dirs: list[str], feature_csvs: list[str]) -> tuple[list[str], np.ndarray]:
    """The training split's image paths of each dataset and their measured features [images, FEATURES]."""
    import pandas as pd

    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.features import FEATURES

    if len(data_dirs) != len(feature_csvs):
        raise UserError(f"pretrain-vision: {len(data_dirs)} --data folders but {len(feature_csvs)} --features files")
    paths, values = [], []
    for data, csv in zip(data_dirs, feature_csvs):
        frame, _ = load_manifest(data, split="train")
        measured = pd.read_csv(csv).set_index("name")
        missing = sorted(set(frame["name"]) - set(measured.index))
        if missing:
            raise UserError(f"{csv}: no measurement of {len(missing)} training images of {data} (e.g. {missing[0]}); "
                            "rerun its features step")
        paths += list(frame["path"])
        values.append(measured.loc[frame["name"], FEATURES].to_numpy(dtype=float))
    return paths, np.concatenate(values)  # (load_manifest refuses a dataset without training images)


def pretrain_base(cfg: dict, base: str, data_dirs: list[str], feature_csvs: list[str], out: str | Path) -> dict:
    """`base` with its vision side pretrained (model.embedded.vision_pretrain), saved atomically to `out`."""
    from reasoniqa.model.load import load_base, save_model

    if not enabled(cfg):
        raise UserError("pretrain-vision: the config asks for no vision pretraining (model.source 'embedded' "
                        "and model.embedded.vision_pretrain.steps > 0)")
    spec = cfg["model"]["embedded"]["vision_pretrain"]
    paths, values = training_images(data_dirs, feature_csvs)
    model, processor = load_base(base, cfg)
    stats, _ = pretrain_vision(model, processor, paths, rank_normal(values), spec, cfg["model"]["embedded"]["seed"])
    save_model(model, processor, out, extra={"vision_pretrain.json": stats})
    log.info("vision pretraining: %s", stats)
    return stats
