"""The LLaVA-like families over a Qwen2 language model and a ChatML template (LLaVA-OneVision, InternVL):
LLaVA's module layout (vision_tower, multi_modal_projector, language_model) and 1D positions, so the
Family defaults for prefill positions and generation state hold. Their processors carry a video
processor that needs torchvision: without it a folder is loaded as the image-only processor
(tokenizer + image processor + chat template + the processor's own settings), as the Qwen families do.
"""

from __future__ import annotations

from reasoniqa.model.families import Family

# The Qwen2 tokenizer's specials (ChatML), as the Qwen families here; each family adds its image tokens.
QWEN_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


class QwenTextFamily(Family):
    """A LLaVA-like family over a Qwen2 language model and a ChatML template (1D positions: the
    Family defaults for prefill positions and generation state hold)."""

    projector = "multi_modal_projector"
    chat_template = ""
    image_specials: list[str] = []  # the family's image tokens, after the ChatML ones
    named_tokens: dict[str, str] = {}  # tokenizer attributes the processor reads (image_token=...)

    def _classes(self):
        """(model class, processor class, its image-only variant)"""
        raise NotImplementedError

    def _config(self, e: dict, text: dict, tid):
        raise NotImplementedError

    def _processor_kwargs(self, e: dict) -> dict:
        raise NotImplementedError

    def _image_processor(self, e: dict):
        raise NotImplementedError

    def _tokenizer(self, cfg: dict):
        import json

        from transformers import Qwen2Tokenizer

        from reasoniqa.model.tokenizer import build_tokenizer, tokenizer_corpus

        e = cfg["model"]["embedded"]
        specials = QWEN_SPECIALS + self.image_specials
        bpe = build_tokenizer(tokenizer_corpus(cfg, self.chat_template), e["vocab_size"], specials)
        trained = json.loads(bpe.backend_tokenizer.to_str())["model"]
        named = set(self.named_tokens.values())
        tokenizer = Qwen2Tokenizer(vocab=trained["vocab"], merges=[tuple(m) for m in trained["merges"]],
                                   extra_special_tokens=[t for t in specials[1:] if t not in named],
                                   **self.named_tokens)
        tokenizer.chat_template = self.chat_template
        tokenizer.padding_side = "left"
        return tokenizer

    def _text(self, e: dict, tokenizer) -> dict:
        tid = tokenizer.convert_tokens_to_ids
        return {"model_type": "qwen2", "vocab_size": (len(tokenizer) + 63) // 64 * 64,
                "hidden_size": e["text_hidden"], "intermediate_size": e["intermediate"],
                "num_hidden_layers": e["text_layers"], "num_attention_heads": e["text_heads"],
                "num_key_value_heads": e.get("text_kv_heads", e["text_heads"]), "max_position_embeddings": 4096,
                "rms_norm_eps": 1e-6, "rope_parameters": {"rope_type": "default", "rope_theta": 1e6},
                "bos_token_id": tid("<|endoftext|>"), "eos_token_id": tid("<|im_end|>"),
                "pad_token_id": tokenizer.pad_token_id, "tie_word_embeddings": False}

    def build(self, cfg: dict):
        import torch
        from transformers import GenerationConfig

        e = cfg["model"]["embedded"]
        torch.manual_seed(e["seed"])
        tokenizer = self._tokenizer(cfg)
        tid = tokenizer.convert_tokens_to_ids
        model_class, _, image_only_processor = self._classes()
        model = model_class(self._config(e, self._text(e, tokenizer), tid)).eval()
        model.generation_config = GenerationConfig(eos_token_id=[tid("<|im_end|>"), tid("<|endoftext|>")],
                                                   pad_token_id=tokenizer.pad_token_id,
                                                   bos_token_id=tid("<|endoftext|>"))
        processor = image_only_processor()(self._image_processor(e), tokenizer, chat_template=self.chat_template,
                                 **self._processor_kwargs(e))
        return model, processor

    def image_only_processor(self, source):
        return self._classes()[2]().from_pretrained(source)
