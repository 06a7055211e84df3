"""Scoring: Q-Align-style level probabilities at the answer position, greedy descriptions, and the
model a method infers with. What each method feeds these is its own (reasoniqa.methods).
"""

from __future__ import annotations

import numpy as np

from reasoniqa.batching import batch_starts, encode_batch
from reasoniqa.device import to_model
from reasoniqa.sampling import decode_new
from reasoniqa.levels import expected_score, level_token_ids


def level_probabilities(model, processor, prompts: list[str], image_paths: list[str] | None,
                        words: list[str], batch_size: int, progress: bool = True) -> np.ndarray:
    """[N, L] softmax over the level words' first sub-tokens at the last prompt position. Left
    padding puts every row's answer position last, so one forward pass serves a whole batch."""
    import torch

    ids = level_token_ids(processor.tokenizer, words, prompts[0]) if prompts else []
    out = []
    for start in batch_starts(len(prompts), batch_size, "score", progress):
        enc = to_model(encode_batch(processor, prompts[start : start + batch_size], image_paths, start), model)
        with torch.inference_mode():  # one pass, nothing decoded after it: no KV cache (10 GB for LLaVA-7B, 32 images)
            logits = model(**enc, logits_to_keep=1, use_cache=False).logits[:, -1, :]
        out.append(torch.softmax(logits[:, ids].float(), dim=-1).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, len(words)))


def generate_texts(model, processor, prompts: list[str], image_paths: list[str] | None, batch_size: int,
                   max_new_tokens: int = 64, progress: bool = True) -> list[str]:
    """Greedy continuations of the prompts (batched, left padding)."""
    import torch

    texts = []
    tok = processor.tokenizer
    for start in batch_starts(len(prompts), batch_size, "describe", progress):
        enc = to_model(encode_batch(processor, prompts[start : start + batch_size], image_paths, start), model)
        with torch.inference_mode():
            out = model.generate(**enc, max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
        new = out[:, enc["input_ids"].shape[1] :]
        texts += decode_new(tok, new)
    return texts


def predict_paths(cfg: dict, method: str, model, processor, paths: list[str], progress: bool = True) -> dict:
    """Descriptions (where the method writes one) and level probabilities for image files."""
    from reasoniqa.methods import get_method

    words = cfg["levels"]["words"]
    descriptions, probs = get_method(method).score(cfg, model, processor, paths, progress)
    return {"description": descriptions, "probs": probs,
            "score": expected_score(probs, cfg["levels"]["weights"]),
            "level": [words[i] for i in probs.argmax(axis=1)]}


def predictions_frame(cfg: dict, frame, descriptions: list[str], probs: np.ndarray):
    """The predictions file's rows: description, level probabilities, greedy level, expected score."""
    import pandas as pd

    words = cfg["levels"]["words"]
    pred = pd.DataFrame({"name": frame["name"], "mos": frame["mos"], "score": frame["score"],
                         "pred_score": expected_score(probs, cfg["levels"]["weights"]),
                         "pred_level": [words[i] for i in probs.argmax(axis=1)], "description": descriptions})
    for j, w in enumerate(words):
        pred[f"p_{w}"] = probs[:, j]
    return pred


def score_frame(cfg: dict, method: str, model, processor, frame, progress: bool = True):
    """Predictions for a manifest frame (the method's own descriptions, where it writes them)."""
    out = predict_paths(cfg, method, model, processor, list(frame["path"]), progress)
    return predictions_frame(cfg, frame, out["description"], out["probs"])
