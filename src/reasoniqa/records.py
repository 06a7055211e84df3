"""Conversation records (JSONL, one per sample) that training and scoring read."""

from __future__ import annotations

from reasoniqa.levels import score_to_level
from reasoniqa.prompts import level_answer, rate_prompt


def one_stage_records(frame, dataset: str, cfg: dict) -> list[dict]:
    """Q-Align-style: image + question -> level word."""
    words = cfg["levels"]["words"]
    levels = score_to_level(frame["score"].to_numpy(), len(words))
    return [
        {
            "dataset": dataset,
            "name": row.name_,
            "image": row.path,
            "split": row.split,
            "score": float(row.score),
            "level": words[lvl],
            "prompt": rate_prompt(cfg),
            "answer": level_answer(words[lvl]),
        }
        for row, lvl in zip(frame.rename(columns={"name": "name_"}).itertuples(index=False), levels)
    ]
