"""Inference dynamics at the quality token: logit lens over layers and attention over context segments.

One forward pass per batch returns every layer's hidden state and attention (eager attention: sdpa
returns none). The lens decodes each layer's hidden state at the quality-token position (the position
that predicts the level word) through the final norm and the LM head; transformers v5 returns the last
hidden state already normed, so it goes through the LM head only, and then equals the model's logits.
Layer 0 is the embedding output.
"""

from __future__ import annotations

import numpy as np

from reasoniqa.batching import batch_starts, encode_batch
from reasoniqa.device import to_model
from reasoniqa.levels import level_token_ids

SEGMENTS = ("image", "prompt", "description")


def _norm_and_head(model):
    """The language model's final norm and LM head, through a PEFT wrapper if there is one."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return base.get_decoder().norm, base.get_output_embeddings()


def lens_logits(model, hidden_states) -> "torch.Tensor":
    """[layers+1, B, V] logits of every layer's hidden state at the last position."""
    import torch

    norm, head = _norm_and_head(model)
    # (layers spread over GPUs by a device_map: each last position goes to the head's device)
    last = torch.stack([h[:, -1].to(head.weight.device) for h in hidden_states])
    return head(torch.cat([norm(last[:-1]), last[-1:]]))


def _segment_masks(enc, texts: list[str], descriptions: list[str], image_token_id: int):
    """Boolean [B, T] masks of image, prompt and description tokens: character offsets of the
    description in the processor's expanded text, shifted by what the processor wrote in place of each
    image placeholder before it (its replacement offsets: `<image>` x N for LLaVA, `<img>` + tokens +
    `</img>` for InternVL)."""
    ids, attended, offsets = enc["input_ids"], enc["attention_mask"].bool(), enc["offset_mapping"]
    image = ids == image_token_id
    desc = np.zeros(ids.shape, bool)
    replaced = enc.get("text_replacement_offsets") or [[] for _ in texts]
    for i, (text, d) in enumerate(zip(texts, descriptions)):
        if not d:
            continue
        start = text.rindex(d)
        start += sum(len(r["replacement"]) - (r["span"][1] - r["span"][0]) for r in replaced[i]
                     if r["span"][1] <= start)
        s, e = offsets[i, :, 0].numpy(), offsets[i, :, 1].numpy()
        desc[i] = (s < start + len(d)) & (e > start) & attended[i].numpy() & ~image[i].numpy()
    image, attended = image.numpy(), attended.numpy()
    return {"image": image, "description": desc, "prompt": attended & ~image & ~desc}


def analyze(cfg: dict, method: str, model, processor, image_paths: list[str], descriptions: list[str],
            progress: bool = True) -> list[dict]:
    """Per sample: per-layer top-k tokens with probabilities, level mass and top level, and per-layer
    attention shares of the quality token over the context segments (mean over heads)."""
    import torch

    an, words = cfg["analysis"], cfg["levels"]["words"]
    tok = processor.tokenizer
    from reasoniqa.methods import get_method

    texts, with_image = get_method(method).rating_contexts(cfg, processor, descriptions)
    level_ids = level_token_ids(tok, words, texts[0]) if texts else []
    image_token_id = model.config.image_token_id
    out = []
    for start in batch_starts(len(texts), an["batch_size"], "lens", progress):
        batch = texts[start : start + an["batch_size"]]
        enc = encode_batch(processor, batch, image_paths if with_image else None, start, return_offsets_mapping=True,
                           **({"return_text_replacement_offsets": True} if with_image else {}))
        masks = _segment_masks(enc, batch, descriptions[start : start + len(batch)], image_token_id)
        inputs = to_model({k: v for k, v in enc.items() if k not in ("offset_mapping", "text_replacement_offsets")},
                          model)
        with torch.inference_mode():
            res = model(**inputs, output_hidden_states=True, output_attentions=True, logits_to_keep=1, use_cache=False)
            probs = torch.softmax(lens_logits(model, res.hidden_states).float(), -1)  # [L+1, B, V]
            # Quality-token row of each layer's attention, mean over heads: [layers, B, T]
            attn = torch.stack([a[:, :, -1, :].float().mean(1).cpu() for a in res.attentions]).numpy()
        probs = probs.cpu()
        top_p, top_i = probs.topk(an["top_k"], dim=-1)
        level_p = probs[:, :, level_ids]
        for b in range(len(batch)):
            record = {
                "top_tokens": [[tok.decode([int(t)]).strip() for t in top_i[l, b]] for l in range(probs.shape[0])],
                "top_probs": top_p[:, b].tolist(),
                "top1": top_i[:, b, 0].tolist(),
                "level_mass": level_p[:, b].sum(-1).tolist(),
                "top_level": [words[int(i)] for i in level_p[:, b].argmax(-1)],
                "attention": {s: (attn[:, b] * masks[s][b]).sum(-1).tolist() for s in SEGMENTS},
            }
            record.update(summarize(record, {int(i): w for i, w in zip(level_ids, words)}))
            out.append(record)
    return out


def summarize(record: dict, level_words: dict[int, str]) -> dict:
    """settle_layer: first layer from which the output's top-1 token stays top-1; distinct_top1: distinct
    top-1 tokens over layers; level_flip: an intermediate layer's top-1 is a level word other than the
    output's level (the paper's 'poor' at layer 30 vs 'good' at the output)."""
    top1 = record["top1"]
    final = top1[-1]
    settle = len(top1) - 1
    while settle > 0 and top1[settle - 1] == final:
        settle -= 1
    output_level = record["top_level"][-1]
    flip = any(t in level_words and level_words[t] != output_level for t in top1[:-1])
    return {"settle_layer": settle, "distinct_top1": len(set(top1)), "level_flip": bool(flip),
            "output_level": output_level}
