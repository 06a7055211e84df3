"""Q-Align-style scoring: softmax over the level tokens at the answer position, expected score."""

from __future__ import annotations

import numpy as np

from reasoniqa.images import load_image
from reasoniqa.levels import expected_score, level_token_ids


def load_method_model(cfg: dict, base: str, adapter: str | None):
    """Base model, with the method's LoRA adapter applied when it has one."""
    from reasoniqa.model.load import load_base

    model, processor = load_base(base, cfg)
    if adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter).eval()
    return model, processor


def level_probabilities(model, processor, prompt: str, image_paths: list[str], words: list[str],
                        batch_size: int, progress: bool = True) -> np.ndarray:
    """[N, L] probabilities of the level words after `prompt`, batched (left padding: the last
    position is the answer position for every row)."""
    import torch
    from tqdm import tqdm

    ids = level_token_ids(processor.tokenizer, words)
    out = []
    starts = range(0, len(image_paths), batch_size)
    for start in tqdm(starts, desc="score", disable=not progress):
        paths = image_paths[start : start + batch_size]
        enc = processor(text=[prompt] * len(paths), images=[load_image(p) for p in paths],
                        return_tensors="pt", padding=True)
        with torch.inference_mode():
            logits = model(**enc, logits_to_keep=1).logits[:, -1, :]
        out.append(torch.softmax(logits[:, ids].float(), dim=-1).numpy())
    return np.concatenate(out) if out else np.zeros((0, len(words)))


def score_frame(cfg: dict, model, processor, frame, prompt: str, progress: bool = True):
    """Predictions for a manifest frame: level probabilities, greedy level, expected score."""
    import pandas as pd

    words, weights = cfg["levels"]["words"], cfg["levels"]["weights"]
    probs = level_probabilities(model, processor, prompt, list(frame["path"]), words,
                                cfg["predict"]["batch_size"], progress)
    pred = pd.DataFrame({
        "name": frame["name"],
        "mos": frame["mos"],
        "score": frame["score"],
        "pred_score": expected_score(probs, weights),
        "pred_level": [words[i] for i in probs.argmax(axis=1)],
    })
    for j, w in enumerate(words):
        pred[f"p_{w}"] = probs[:, j]
    return pred
