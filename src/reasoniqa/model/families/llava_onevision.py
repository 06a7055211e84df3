"""LLaVA-OneVision (SigLIP + Qwen2): LLaVA's layout with AnyRes tiling and an `image_newline` embedding.
The tiny model fixes the resolution to one tile: the only grid pinpoint is the base side, so every image
is the base view plus one same-sized tile (LLaVA-OV's smallest AnyRes grid); its image span depends on
the image's aspect ratio (the processor and the model count it the same way)."""

from __future__ import annotations

from reasoniqa.model.families import image_only
from reasoniqa.model.families.qwen_text import QwenTextFamily


def llava_onevision_image_only():
    from transformers import LlavaOnevisionProcessor

    def __init__(self, image_processor=None, tokenizer=None, num_image_tokens=None,
                 vision_feature_select_strategy=None, chat_template=None, image_token="<image>",
                 video_token="<video>", vision_aspect_ratio="anyres_max_9", **kwargs):
        LlavaOnevisionProcessor.__init__(self, image_processor, tokenizer, None, num_image_tokens=num_image_tokens,
                                         vision_feature_select_strategy=vision_feature_select_strategy,
                                         chat_template=chat_template, image_token=image_token,
                                         video_token=video_token, vision_aspect_ratio=vision_aspect_ratio)

    return image_only(LlavaOnevisionProcessor, __init__)


class LlavaOnevision(QwenTextFamily):
    name = "llava_onevision"
    model_types = ("llava_onevision",)
    paper_model = "llava-hf/llava-onevision-qwen2-7b-ov-hf"
    # published config.json of llava-onevision-qwen2-7b-ov-hf: SigLIP-so400m/14 at 384 px (its last
    # layer dropped: 26 of 27) + Qwen2-7B
    paper_dims = {"image_size": 384, "patch_size": 14, "vision_hidden": 1152, "vision_intermediate": 4304,
                  "vision_layers": 26, "vision_heads": 16, "text_hidden": 3584, "text_layers": 28,
                  "text_heads": 28, "text_kv_heads": 4, "intermediate": 18944}
    image_specials = ["<image>", "<video>"]
    named_tokens = {"image_token": "<image>", "video_token": "<video>"}
    # llava-hf's LLaVA-OneVision template (ChatML, images first in the user turn, each on its own line)
    chat_template = (
        "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' }}"
        "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
        "{% for c in message['content'] if c['type'] == 'image' %}{{ '<image>\n' }}{% endfor %}"
        "{% for c in message['content'] if c['type'] == 'text' %}{{ c['text'] }}{% endfor %}{% endif %}"
        "{{ '<|im_end|>\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
    )

    def _classes(self):
        from transformers import LlavaOnevisionForConditionalGeneration, LlavaOnevisionProcessor

        return LlavaOnevisionForConditionalGeneration, LlavaOnevisionProcessor, llava_onevision_image_only

    @staticmethod
    def _side(e: dict) -> int:
        """The tile side, as published (384 px at patch 14: a 27 x 27 grid, the remainder unused)."""
        return e["image_size"]

    def _config(self, e, text, tid):
        from transformers import LlavaOnevisionConfig

        side = self._side(e)
        vision = {"model_type": "siglip_vision_model", "hidden_size": e["vision_hidden"],
                  "intermediate_size": e.get("vision_intermediate", 2 * e["vision_hidden"]),
                  "num_hidden_layers": e["vision_layers"], "num_attention_heads": e["vision_heads"],
                  "image_size": side, "patch_size": e["patch_size"], "vision_use_head": False}
        return LlavaOnevisionConfig(vision_config=vision, text_config=text, image_token_index=tid("<image>"),
                                    video_token_index=tid("<video>"), vision_feature_select_strategy="full",
                                    vision_feature_layer=-1, image_grid_pinpoints=[[side, side]],
                                    vision_aspect_ratio="anyres_max_9", tie_word_embeddings=False)

    def _image_processor(self, e):
        from transformers import LlavaOnevisionImageProcessorPil

        side = self._side(e)
        return LlavaOnevisionImageProcessorPil(size={"height": side, "width": side}, image_grid_pinpoints=[[side, side]],
                                               image_mean=[0.5] * 3, image_std=[0.5] * 3)

    def _processor_kwargs(self, e):
        return {"num_image_tokens": (self._side(e) // e["patch_size"]) ** 2,
                "vision_feature_select_strategy": "full", "vision_aspect_ratio": "anyres_max_9"}
