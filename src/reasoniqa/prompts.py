"""Prompt text shared by training, scoring and the tokenizer corpus (LLaVA-1.5 conversation format)."""

from __future__ import annotations

IMAGE_TOKEN = "<image>"


def rate_prompt(cfg: dict, with_image: bool = True) -> str:
    """The scorer's prompt, ending right before the level word (Q-Align: '... The quality of the image is')."""
    p = cfg["prompts"]
    image = f"{IMAGE_TOKEN}\n" if with_image else ""
    return f"USER: {image}{p['rate']} ASSISTANT: {p['answer_prefix']}"


def describe_prompt(cfg: dict) -> str:
    """Stage 1 (and the two-stage model's first step): image -> description of visual features."""
    return f"USER: {IMAGE_TOKEN}\n{cfg['prompts']['describe']} ASSISTANT:"


def infer_prompt(cfg: dict, description: str) -> str:
    """Stage 2: the description alone (no image) -> quality level."""
    p = cfg["prompts"]
    return f"USER: {p['infer']}\n{description}\n{p['rate']} ASSISTANT: {p['answer_prefix']}"


def describe_and_rate_prompt(cfg: dict) -> str:
    """Q-Instruct-style one-stage: image -> description and level in one answer."""
    return f"USER: {IMAGE_TOKEN}\n{cfg['prompts']['describe_and_rate']} ASSISTANT:"


def level_answer(word: str) -> str:
    """The answer continuation: a leading space, as a real tokenizer sees the word after 'is'."""
    return f" {word}."


def tokenizer_corpus(cfg: dict) -> list[str]:
    """The project's own label text; the embedded tokenizer's BPE is trained on it."""
    from reasoniqa.descriptions import vocabulary

    lines = [rate_prompt(cfg) + level_answer(w) for w in cfg["levels"]["words"]]
    lines += [describe_prompt(cfg), describe_and_rate_prompt(cfg), cfg["prompts"]["infer"]]
    # The description phrases (stage-1 supervision), so they tokenize into few, reusable pieces.
    lines += [p[0].upper() + p[1:] + "," for p in vocabulary()] + vocabulary()
    return lines
