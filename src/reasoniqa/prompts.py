"""The conversation of every stage, rendered by the model's own chat template.

The texts (the rating question, the answer prefix, ...) come from the config; the conversation format
(roles, image placeholder, generation prompt) from `processor.apply_chat_template`, so a Qwen or Idefics
model sees its own format, not LLaVA's. Rating prompts end with the answer prefix ("... The quality of
the image is"), the position whose next token is the level word (Q-Align).

Records (reasoniqa.records) name their turn (`rate`, `describe`, `describe_and_rate`, `infer`) and
hold no conversation text: `Prompts.record_texts` renders them for the model being trained.
"""

from __future__ import annotations

from reasoniqa import UserError
from reasoniqa.features import described


# How the describe question names a feature ("the sharpness, noise, ... of this image").
FEATURE_NOUNS = {"blur": "sharpness", "noise": "noise", "compression": "compression", "exposure": "exposure",
                 "contrast": "contrast", "colour": "colour"}


def feature_list(features: list[str]) -> str:
    """'sharpness', 'sharpness and noise', 'sharpness, noise and contrast'."""
    nouns = [FEATURE_NOUNS[f] for f in features]
    return nouns[0] if len(nouns) == 1 else f"{', '.join(nouns[:-1])} and {nouns[-1]}"


def level_answer(word: str) -> str:
    """The answer continuation after the prefix: a leading space, as a tokenizer sees a word after 'is'."""
    return f" {word}."


def user_turn(text: str, with_image: bool) -> list[dict]:
    content = ([{"type": "image"}] if with_image else []) + [{"type": "text", "text": text}]
    return [{"role": "user", "content": content}]


class Prompts:
    """The config's texts in one model's conversation format."""

    def __init__(self, cfg: dict, processor):
        if not getattr(processor, "chat_template", None):
            raise UserError(f"the model's processor ({type(processor).__name__}) has no chat template; a chat "
                            "model's folder holds one (chat_template.jinja); rebuild the embedded model")
        self.texts, self.processor = cfg["prompts"], processor
        self.features = feature_list(described(cfg["labels"].get("features")))

    def turn(self, text: str, with_image: bool) -> str:
        """A user turn and the generation prompt, as the model's template writes them."""
        return self.processor.apply_chat_template(user_turn(text, with_image), add_generation_prompt=True,
                                                  tokenize=False)

    @staticmethod
    def lead(prompt: str) -> str:
        """What separates a prompt from the answer text: nothing after a newline (Qwen's
        'assistant\\n'), a space after 'ASSISTANT:' (LLaVA)."""
        return "" if prompt[-1:].isspace() else " "

    def _ending_at_level(self, prompt: str) -> str:
        return f"{prompt}{self.lead(prompt)}{self.texts['answer_prefix']}"

    def rate(self) -> str:
        """Image + rating question, ending at the answer prefix (zero_shot, one_stage)."""
        return self._ending_at_level(self.turn(self.texts["rate"], with_image=True))

    def describe(self) -> str:
        """Stage 1 (and the two-stage model's first step): image -> description of visual features; a
        `{features}` in the question is the described features' names (labels.features)."""
        return self.turn(self.texts["describe"].replace("{features}", self.features), with_image=True)

    def describe_and_rate(self) -> str:
        """Q-Instruct-style one-stage: image -> description and level in one answer."""
        return self.turn(self.texts["describe_and_rate"], with_image=True)

    def described_rating(self, description: str) -> str:
        """The describe-and-rate answer so far: its description, then the answer prefix."""
        lead = self.describe_and_rate()
        return f"{lead}{self.lead(lead)}{description} {self.texts['answer_prefix']}"

    def infer(self, description: str) -> str:
        """Stage 2: the description alone (no image) -> quality level."""
        t = self.texts
        return self._ending_at_level(self.turn(f"{t['infer']}\n{description}\n{t['rate']}", with_image=False))

    def record_texts(self, record: dict) -> tuple[str, str]:
        """(prompt, answer) of a training record, by its turn."""
        if "turn" not in record:
            raise UserError(f"record of {record.get('name')!r} names no turn: records written by an older "
                            "version; rerun the labels step")
        turn, level = record["turn"], level_answer(record["level"])
        if turn == "rate":
            return self.rate(), level
        if turn == "describe":
            prompt = self.describe()
            return prompt, f"{self.lead(prompt)}{record['description']}"
        if turn == "describe_and_rate":  # the answer is the described rating's continuation, then the level
            prompt = self.describe_and_rate()
            return prompt, self.described_rating(record["description"])[len(prompt):] + level
        if turn == "infer":
            return self.infer(record["description"]), level
        raise UserError(f"record of {record.get('name')!r}: unknown turn {turn!r}")
