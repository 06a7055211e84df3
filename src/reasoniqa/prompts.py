"""Prompt text shared by training, scoring and the tokenizer corpus (LLaVA-1.5 conversation format)."""

from __future__ import annotations

IMAGE_TOKEN = "<image>"


def rate_prompt(cfg: dict, with_image: bool = True) -> str:
    """The scorer's prompt, ending right before the level word (Q-Align: '... The quality of the image is')."""
    p = cfg["prompts"]
    image = f"{IMAGE_TOKEN}\n" if with_image else ""
    return f"USER: {image}{p['rate']} ASSISTANT: {p['answer_prefix']}"


def level_answer(word: str) -> str:
    """The answer continuation: a leading space, as a real tokenizer sees the word after 'is'."""
    return f" {word}."


def tokenizer_corpus(cfg: dict) -> list[str]:
    """The project's own label text; the embedded tokenizer's BPE is trained on it."""
    lines = [rate_prompt(cfg) + level_answer(w) for w in cfg["levels"]["words"]]
    # Vocabulary of visual-feature descriptions (stage-1 supervision) so they tokenize sensibly.
    lines += [
        "The image is sharp and clean, with natural colours and good exposure.",
        "There is slight blur, moderate noise and severe compression artifacts.",
        "The image is too dark, underexposed, with low contrast and faded, desaturated colour.",
        "The image is too bright, overexposed, with washed out highlights and blocky JPEG artifacts.",
        "Fine details are lost; edges are soft; grain is visible in flat regions.",
    ]
    return lines
