"""Repeated sampled queries (the paper's instability test): K answers per image from one shared prefix.

The prompt and image are encoded once per batch; the prefix KV cache is repeated K times and only the
continuations are decoded per sample (measured against K separate `generate` calls in benchmarks/).
What each method samples (for two_stage a full chain: a description, then a level read from it) is its own
(reasoniqa.methods).
"""

from __future__ import annotations

import re

import numpy as np

from reasoniqa.batching import batch_starts, encode_batch, per_token
from reasoniqa.device import to_model

NO_LEVEL = "none"  # an answer that names no level (left out of the instability measures, counted as invalid)


def sample_from_prefix(model, inputs: dict, k: int, max_new_tokens: int, sampling: dict, pad_token_id: int,
                       eos_token_id: int | None):
    """Token ids [B*K, T+new] of K continuations per row of `inputs` (input_ids, attention_mask and any
    image tensors). The prompt is prefilled once without its last token; the cache is repeated K times
    and generate() feeds that last token itself, then decodes all B*K rows together."""
    import torch

    from reasoniqa.model.families import family_of

    family = family_of(model.config.model_type)
    ids, mask = inputs["input_ids"], inputs["attention_mask"]
    # per-token inputs (Qwen's mm_token_type_ids) lose their last position with the prompt; the rest
    # (pixel values, image grids) pass as they are
    extra = {k_: v[:, :-1] if per_token(v, ids) else v for k_, v in inputs.items()
             if k_ not in ("input_ids", "attention_mask")}
    positions = family.prefill_positions(inputs)
    if positions is not None:
        # Number a left-padded row's tokens from its first real token, as generate() numbers the new
        # ones (from the attention mask); counting the pads would shift the prompt against its answer.
        extra["position_ids"] = positions[..., :-1]
    family.reset_generation_state(model)
    with torch.inference_mode():
        out = model(input_ids=ids[:, :-1], attention_mask=mask[:, :-1], use_cache=True, **extra)
        # transformers renamed past_key_values -> cache (5.2x); the output says which name this one takes.
        name = "cache" if "cache" in out else "past_key_values"
        cache = out[name]
        cache.batch_repeat_interleave(k)
        family.repeat_generation_state(model, k)
        return model.generate(input_ids=ids.repeat_interleave(k, 0), attention_mask=mask.repeat_interleave(k, 0),
                              max_new_tokens=max_new_tokens, pad_token_id=pad_token_id,
                              eos_token_id=eos_token_id, **{name: cache}, **sampling)


def decode_new(tokenizer, new_ids) -> list[str]:
    """Generated continuations as text, stripped. A carriage return becomes a newline: a lone '\r' (a
    byte any byte-level vocabulary can emit) is not quoted in a CSV and would split the row there."""
    return [t.strip().replace("\r", "\n") for t in tokenizer.batch_decode(new_ids, skip_special_tokens=True)]


def padded_positions(mask):
    """Position ids of a left-padded batch: 0 at each row's first real token, as transformers'
    generate() numbers them (pads get 0; they are masked out anyway)."""
    positions = mask.long().cumsum(-1) - 1
    return positions.masked_fill(mask == 0, 0)


def sampling_args(temperature: float) -> dict:
    """Plain sampling from the full distribution; temperature 0 means greedy decoding."""
    if temperature > 0:
        return {"do_sample": True, "temperature": temperature, "top_k": 0, "top_p": 1.0}
    return {"do_sample": False}


def sample_continuations(model, processor, prompts: list[str], image_paths: list[str] | None, k: int,
                         temperature: float, max_new_tokens: int, seed: int, batch_size: int,
                         progress: bool = True) -> list[list[str]]:
    """K continuations per prompt (text). Each batch is seeded from (seed, batch start), so the same
    seed gives the same samples."""
    import torch

    tok = processor.tokenizer
    out: list[list[str]] = []
    for start in batch_starts(len(prompts), batch_size, f"sample x{k}", progress):
        texts = prompts[start : start + batch_size]
        enc = to_model(encode_batch(processor, texts, image_paths, start), model)
        torch.manual_seed(seed * 1_000_003 + start)
        gen = sample_from_prefix(model, enc, k, max_new_tokens, sampling_args(temperature),
                                 tok.pad_token_id, tok.eos_token_id)
        decoded = decode_new(tok, gen[:, enc["input_ids"].shape[1] :])
        out += [decoded[i * k : (i + 1) * k] for i in range(len(texts))]
    return out


def description_part(text: str, answer_prefix: str) -> str:
    """What a describe-and-rate answer says before it names the quality (the whole text if it never does)."""
    at = text.lower().find(answer_prefix.lower())
    return (text if at < 0 else text[:at]).strip()


def parse_level(text: str, words: list[str], answer_prefix: str | None = None) -> str:
    """The level an answer gives: its first word, when that is a level word (the position Q-Align reads).
    With `answer_prefix` (describe-and-rate answers), the first word after the last occurrence of the
    prefix; an answer without the prefix names no level, whatever its description says ("contrast is
    good"). NO_LEVEL when the answer gives none."""
    if answer_prefix:
        lowered, prefix = text.lower(), answer_prefix.lower()
        if prefix not in lowered:
            return NO_LEVEL
        text = text[lowered.rindex(prefix) + len(prefix):]
    m = re.match(r"\W*(\w+)", text.lower())
    return m.group(1) if m and m.group(1) in words else NO_LEVEL


def sampling_common(cfg: dict, temperature: float, progress: bool = True) -> dict:
    """The instability settings every sampled query shares (K, seed, batch size)."""
    ins = cfg["instability"]
    return {"k": ins["k"], "temperature": temperature, "seed": ins["seed"], "batch_size": ins["batch_size"],
            "progress": progress}


def sample_answers(cfg: dict, method: str, model, processor, paths: list[str], temperature: float,
                   progress: bool = True) -> list[dict]:
    """Per image: K levels sampled at `temperature` (and the descriptions they came with, for the
    describing methods), as the method samples them."""
    from reasoniqa.methods import get_method

    return get_method(method).sample(cfg, model, processor, paths, temperature, progress)


def subset(frame, max_images: int | None, seed: int):
    """A seeded subset of a test split (the same images for every method), in manifest order."""
    if max_images is None or len(frame) <= max_images:
        return frame
    keep = np.sort(np.random.default_rng(seed).choice(len(frame), max_images, replace=False))
    return frame.iloc[keep].reset_index(drop=True)
