"""The embedded models' tokenizer: a byte-level BPE trained here on the project's own label text, in
the family's conversation format, so multi-token words and leading spaces behave as with real LLM
tokenizers."""

from __future__ import annotations


class TemplateOnly:
    """A chat template rendered before its processor exists (the tokenizer is trained on the rendered
    text), with the Jinja settings transformers uses."""

    def __init__(self, chat_template: str):
        self.chat_template = chat_template

    def apply_chat_template(self, messages, add_generation_prompt=False, tokenize=False):
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
        return env.from_string(self.chat_template).render(messages=messages,
                                                          add_generation_prompt=add_generation_prompt)


def tokenizer_corpus(cfg: dict, chat_template: str) -> list[str]:
    """The project's own label text in the model's conversation format."""
    from reasoniqa.descriptions import vocabulary
    from reasoniqa.prompts import Prompts, level_answer

    prompts = Prompts(cfg, TemplateOnly(chat_template))
    lines = [prompts.rate() + level_answer(w) for w in cfg["levels"]["words"]]
    lines += [prompts.describe(), prompts.describe_and_rate(), cfg["prompts"]["infer"]]
    # The description phrases (stage-1 supervision), so they tokenize into few, reusable pieces.
    lines += [p[0].upper() + p[1:] + "," for p in vocabulary()] + vocabulary()
    return lines


def build_tokenizer(corpus: list[str], vocab_size: int, specials: list[str], **named_tokens):
    """A byte-level BPE over `corpus`; `specials` are single tokens (never split), `named_tokens` the
    tokenizer's named ones (unk_token=..., eos_token=..., extra_special_tokens=...)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token=named_tokens.get("unk_token")))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus * 4, trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, padding_side="left", **named_tokens)
