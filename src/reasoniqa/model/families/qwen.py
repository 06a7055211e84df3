"""Qwen2.5-VL and Qwen3-VL: the bases of today's VLM quality raters (Q-Insight, VisualQuality-R1 on
Qwen2.5-VL; MR-IQA, IQA-T1 on Qwen3-VL).

What they do differently from LLaVA:
- 3D rotary positions (temporal, height, width) that the model derives itself from the attention mask
  and `mm_token_type_ids`; a 1D `position_ids` would put image tokens at text positions, so a prefill
  done by hand passes none. The model keeps `rope_deltas` per row between a prefill and generate(),
  which shared-prefix sampling repeats K times with the cache.
- Dynamic resolution: images become a variable number of merged patches (`pixel_values` flattened,
  `image_grid_thw` per image); the tiny models here fix the resolution (min = max pixels) as LLaVA does.
- Qwen3-VL adds DeepStack: vision features of a few layers are added to the image positions after the
  first language layers (nothing to do here: the lens reads the hidden states as they come).
- Processors: with real checkpoints (torchvision present) AutoProcessor loads them as usual. Without
  torchvision their video processor cannot be built, so a folder is loaded as the image-only processor
  below (tokenizer + image processor + chat template: all that image rating uses).
"""

from __future__ import annotations

from reasoniqa.model.families import Family, image_only

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
            "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>", "<|vision_end|>",
            "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>"]  # the real tokenizers' set and order
# ChatML, as the Qwen-VL checkpoints render a user turn with an image and the generation prompt.
CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}{% for c in message['content'] %}"
    "{% if c['type'] == 'image' %}<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif c['type'] == 'text' %}{{ c['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


class QwenVL(Family):
    projector = "merger"  # model.visual.merger
    vision_tower = "visual"

    def _classes(self):
        raise NotImplementedError

    def _config(self, e: dict, text: dict, vision: dict, ids: dict):
        raise NotImplementedError

    image_norm: dict = {}  # the image processor's mean and std where they are not its defaults

    def _image_processor(self, e: dict):
        from transformers import Qwen2VLImageProcessorPil

        side, pixels = self._side(e)
        return Qwen2VLImageProcessorPil(patch_size=e["patch_size"], merge_size=2, temporal_patch_size=2,
                                        min_pixels=pixels, max_pixels=pixels, **self.image_norm)

    def build(self, cfg: dict):
        import json

        import torch
        from transformers import GenerationConfig, Qwen2Tokenizer

        from reasoniqa.model.tokenizer import build_tokenizer, tokenizer_corpus

        e = cfg["model"]["embedded"]
        torch.manual_seed(e["seed"])
        bpe = build_tokenizer(tokenizer_corpus(cfg, CHAT_TEMPLATE), e["vocab_size"], SPECIALS)
        trained = json.loads(bpe.backend_tokenizer.to_str())["model"]
        # the family's own tokenizer class (its pre-tokenizer), over the vocabulary trained here
        tokenizer = Qwen2Tokenizer(vocab=trained["vocab"], merges=[tuple(m) for m in trained["merges"]],
                                   additional_special_tokens=SPECIALS[1:])
        tokenizer.chat_template = CHAT_TEMPLATE
        tid = tokenizer.convert_tokens_to_ids
        ids = {"image_token_id": tid("<|image_pad|>"), "video_token_id": tid("<|video_pad|>"),
               "vision_start_token_id": tid("<|vision_start|>"), "vision_end_token_id": tid("<|vision_end|>")}
        text = {"vocab_size": (len(tokenizer) + 63) // 64 * 64, "hidden_size": e["text_hidden"],
                "intermediate_size": e["intermediate"], "num_hidden_layers": e["text_layers"],
                "num_attention_heads": e["text_heads"], "num_key_value_heads": e.get("text_kv_heads", e["text_heads"]),
                "max_position_embeddings": 4096, "rms_norm_eps": 1e-6, "bos_token_id": tid("<|endoftext|>"),
                "eos_token_id": tid("<|im_end|>"), "pad_token_id": tokenizer.pad_token_id}
        vision = {"depth": e["vision_layers"], "hidden_size": e["vision_hidden"],
                  "intermediate_size": e.get("vision_intermediate", 2 * e["vision_hidden"]),
                  "num_heads": e["vision_heads"], "patch_size": e["patch_size"], "spatial_merge_size": 2,
                  "temporal_patch_size": 2, "out_hidden_size": e["text_hidden"]}
        model_class, processor_class = self._classes()
        model = model_class(self._config(e, text, vision, ids)).eval()
        model.generation_config = GenerationConfig(eos_token_id=[tid("<|im_end|>"), tid("<|endoftext|>")],
                                                   pad_token_id=tokenizer.pad_token_id, bos_token_id=tid("<|endoftext|>"))
        processor = image_only(processor_class)(self._image_processor(e), tokenizer, chat_template=CHAT_TEMPLATE)
        return model, processor

    def _side(self, e: dict) -> tuple[int, int]:
        """The fixed image side (a multiple of patch x merge) and its pixel count."""
        factor = e["patch_size"] * 2
        side = max(factor, round(e["image_size"] / factor) * factor)
        return side, side * side

    def image_only_processor(self, source):
        from transformers import AutoImageProcessor, AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(source)
        image_processor = AutoImageProcessor.from_pretrained(source)
        template = getattr(tokenizer, "chat_template", None) or self._saved_template(source)
        return image_only(self._classes()[1])(image_processor, tokenizer, chat_template=template)

    @staticmethod
    def _saved_template(source):
        from pathlib import Path

        path = Path(source) / "chat_template.jinja"
        return path.read_text() if path.is_file() else None

    def prefill_positions(self, inputs: dict):
        """With images the model derives its 3D positions from the attention mask (as generate() then
        does); text only it would count the left pads, so the three axes get the text positions."""
        if "image_grid_thw" in inputs:
            return None
        from reasoniqa.sampling import padded_positions

        positions = padded_positions(inputs["attention_mask"])
        return positions.unsqueeze(0).expand(3, *positions.shape)

    @staticmethod
    def _inner(model):
        return (model.get_base_model() if hasattr(model, "get_base_model") else model).model

    def reset_generation_state(self, model) -> None:
        # rope_deltas of an earlier batch (other rows, other images) would otherwise be added to the
        # positions of a text-only prompt's continuation: wrong positions, or a shape error
        self._inner(model).rope_deltas = None

    def repeat_generation_state(self, model, k: int) -> None:
        inner = self._inner(model)
        if inner.rope_deltas is not None:
            inner.rope_deltas = inner.rope_deltas.repeat_interleave(k, 0)


def _half_head(e: dict) -> int:
    return e["text_hidden"] // e["text_heads"] // 2


class Qwen2_5_VL(QwenVL):
    name = "qwen2_5_vl"
    model_types = ("qwen2_5_vl",)
    paper_model = "Qwen/Qwen2.5-VL-7B-Instruct"
    # published config.json of Qwen2.5-VL-7B-Instruct (448 px: a fixed 16 x 16 merged-patch grid here)
    paper_dims = {"image_size": 448, "patch_size": 14, "vision_hidden": 1280, "vision_intermediate": 3420,
                  "vision_layers": 32, "vision_heads": 16, "text_hidden": 3584, "text_layers": 28,
                  "text_heads": 28, "text_kv_heads": 4, "intermediate": 18944}

    def _classes(self):
        from transformers import Qwen2_5_VLForConditionalGeneration, Qwen2_5_VLProcessor

        return Qwen2_5_VLForConditionalGeneration, Qwen2_5_VLProcessor

    def _config(self, e, text, vision, ids):
        from transformers import Qwen2_5_VLConfig

        half = _half_head(e)
        hw = half * 3 // 8  # the published split of the rotary half: [16, 24, 24] of 64
        text["rope_parameters"] = {"rope_type": "default", "rope_theta": 1e6, "mrope_section": [half - 2 * hw, hw, hw]}
        depth = vision["depth"]
        vision.update(hidden_act="silu", window_size=e["patch_size"] * 8,  # 112 px windows at patch 14
                      fullatt_block_indexes=[i for i in range(depth) if (i + 1) % min(8, depth) == 0])
        return Qwen2_5_VLConfig(text_config=text, vision_config=vision, tie_word_embeddings=False, **ids)



class Qwen3_VL(QwenVL):
    name = "qwen3_vl"
    model_types = ("qwen3_vl",)
    paper_model = "Qwen/Qwen3-VL-8B-Instruct"
    image_norm = {"image_mean": [0.5] * 3, "image_std": [0.5] * 3}
    # published config.json of Qwen3-VL-8B-Instruct (768 px: its 48 x 48 position grid)
    paper_dims = {"image_size": 768, "patch_size": 16, "vision_hidden": 1152, "vision_intermediate": 4304,
                  "vision_layers": 27, "vision_heads": 16, "text_hidden": 4096, "text_layers": 36,
                  "text_heads": 32, "text_kv_heads": 8, "intermediate": 12288}

    def _classes(self):
        from transformers import Qwen3VLForConditionalGeneration, Qwen3VLProcessor

        return Qwen3VLForConditionalGeneration, Qwen3VLProcessor

    def _config(self, e, text, vision, ids):
        from transformers import Qwen3VLConfig

        half = _half_head(e)
        hw = half * 5 // 16  # the published interleaved split: [24, 20, 20] of 64
        text.update(head_dim=2 * half, rope_parameters={"rope_type": "default", "rope_theta": 5e6,
                                                        "mrope_section": [half - 2 * hw, hw, hw],
                                                        "mrope_interleaved": True})
        grid = e["image_size"] // e["patch_size"]
        # DeepStack: the 8B model injects vision layers 8, 16, 24; a tiny one its first layer's
        deepstack = [8, 16, 24] if vision["depth"] > 24 and e["text_layers"] > 3 else [0]
        vision.update(hidden_act="gelu_pytorch_tanh", num_position_embeddings=grid * grid,
                      deepstack_visual_indexes=deepstack)
        return Qwen3VLConfig(text_config=text, vision_config=vision, tie_word_embeddings=False, **ids)
