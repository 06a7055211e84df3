"""The embedded default model: a tiny LLaVA (CLIP vision + Llama text) built from config, random init.

Saved with `save_pretrained` so it loads back through AutoModelForImageTextToText / AutoProcessor,
exactly like llava-hf/llava-1.5-7b-hf.
"""

from __future__ import annotations

from pathlib import Path

IMAGE_TOKEN = "<image>"
SPECIALS = ["<unk>", "<s>", "</s>", "<pad>", IMAGE_TOKEN]
# LLaVA-1.5's conversation format ("USER: <image>\n... ASSISTANT:"), as llava-hf's checkpoints render it.
LLAVA_CHAT_TEMPLATE = (
    "{%- for message in messages -%}{{ message['role'].upper() + ': ' }}"
    "{%- for c in message['content'] if c['type'] == 'image' -%}{{ '<image>\n' }}{%- endfor -%}"
    "{%- for c in message['content'] if c['type'] == 'text' -%}{{ c['text'] + ' ' }}{%- endfor -%}"
    "{%- endfor -%}{%- if add_generation_prompt -%}{{ 'ASSISTANT:' }}{%- endif -%}"
)


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
    """The project's own label text in the model's conversation format; the embedded tokenizer's BPE is
    trained on it."""
    from reasoniqa.descriptions import vocabulary
    from reasoniqa.prompts import Prompts, level_answer

    prompts = Prompts(cfg, TemplateOnly(chat_template))
    lines = [prompts.rate() + level_answer(w) for w in cfg["levels"]["words"]]
    lines += [prompts.describe(), prompts.describe_and_rate(), cfg["prompts"]["infer"]]
    # The description phrases (stage-1 supervision), so they tokenize into few, reusable pieces.
    lines += [p[0].upper() + p[1:] + "," for p in vocabulary()] + vocabulary()
    return lines


def build_tokenizer(corpus: list[str], vocab_size: int):
    """A byte-level BPE trained on the project's own label text: multi-token words and leading spaces
    behave as with real LLM tokenizers."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIALS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus * 4, trainer=trainer)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="<unk>",
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        extra_special_tokens={"image_token": IMAGE_TOKEN},
        padding_side="left",
    )


def build_embedded(cfg: dict, out: str | Path) -> None:
    """The embedded default's base model, written atomically to `out`."""
    from reasoniqa import UserError
    from reasoniqa.io import atomic_dir

    if cfg["model"]["source"] != "embedded":
        raise UserError(f"build-model builds the embedded model only; model.source is {cfg['model']['source']!r}")
    with atomic_dir(out) as tmp:
        build_tiny_llava(cfg, tmp)


def build_tiny_llava(cfg: dict, out: str | Path) -> None:
    """Build tokenizer, processor and random-init model from `cfg['model']['embedded']`; save to `out`."""
    import torch
    from transformers import (
        CLIPImageProcessorPil,
        CLIPVisionConfig,
        LlamaConfig,
        LlavaConfig,
        LlavaForConditionalGeneration,
        LlavaProcessor,
    )

    e = cfg["model"]["embedded"]
    torch.manual_seed(e["seed"])
    tokenizer = build_tokenizer(tokenizer_corpus(cfg, LLAVA_CHAT_TEMPLATE), e["vocab_size"])
    image_token_id = tokenizer.convert_tokens_to_ids(IMAGE_TOKEN)
    n_patches = (e["image_size"] // e["patch_size"]) ** 2
    vision = CLIPVisionConfig(
        hidden_size=e["vision_hidden"],
        intermediate_size=2 * e["vision_hidden"],
        num_hidden_layers=e["vision_layers"],
        num_attention_heads=e["vision_heads"],
        image_size=e["image_size"],
        patch_size=e["patch_size"],
    )
    text = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=e["text_hidden"],
        intermediate_size=e["intermediate"],
        num_hidden_layers=e["text_layers"],
        num_attention_heads=e["text_heads"],
        num_key_value_heads=e["text_heads"],
        max_position_embeddings=512,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    config = LlavaConfig(
        vision_config=vision,
        text_config=text,
        image_token_index=image_token_id,
        image_seq_length=n_patches,
        vision_feature_select_strategy="default",  # drop CLS, as llava-1.5
        vision_feature_layer=-1,
    )
    model = LlavaForConditionalGeneration(config).eval()
    image_processor = CLIPImageProcessorPil(
        size={"shortest_edge": e["image_size"]},
        crop_size={"height": e["image_size"], "width": e["image_size"]},
    )
    processor = LlavaProcessor(
        image_processor=image_processor,
        tokenizer=tokenizer,
        patch_size=e["patch_size"],
        vision_feature_select_strategy="default",
        num_additional_image_tokens=1,  # the CLS token the vision tower adds
        chat_template=LLAVA_CHAT_TEMPLATE,
    )
    Path(out).mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    processor.save_pretrained(out)
