"""InternVL (InternViT + Qwen2, InternVL3-hf): LLaVA's layout with a pixel-shuffle projector; its processor
writes `<img>` + `<IMG_CONTEXT>` x N + `</img>` per image. Dynamic tiling is switched off here
(max_patches=1: one tile, no thumbnail)."""

from __future__ import annotations

from reasoniqa.model.families import image_only
from reasoniqa.model.families.qwen_text import QwenTextFamily


def internvl_image_only():
    from transformers import InternVLProcessor

    def __init__(self, image_processor=None, tokenizer=None, image_seq_length=256, chat_template=None, **kwargs):
        InternVLProcessor.__init__(self, image_processor, tokenizer, None, image_seq_length=image_seq_length,
                                   chat_template=chat_template)

    return image_only(InternVLProcessor, __init__)


class InternVL(QwenTextFamily):
    name = "internvl"
    model_types = ("internvl",)
    paper_model = "OpenGVLab/InternVL3-8B-hf"
    # published config.json of InternVL3-8B-hf: InternViT-300M-448px-V2.5 + Qwen2.5-7B (one 448-px tile:
    # 32 x 32 patches, pixel-shuffled to 256 tokens)
    paper_dims = {"image_size": 448, "patch_size": 14, "vision_hidden": 1024, "vision_intermediate": 4096,
                  "vision_layers": 24, "vision_heads": 16, "text_hidden": 3584, "text_layers": 28,
                  "text_heads": 28, "text_kv_heads": 4, "intermediate": 18944}
    image_specials = ["<img>", "</img>", "<IMG_CONTEXT>", "<video>"]
    named_tokens = {"start_image_token": "<img>", "end_image_token": "</img>",
                    "context_image_token": "<IMG_CONTEXT>", "video_token": "<video>"}
    # InternVL3-hf's template: ChatML, `<IMG_CONTEXT>` on its own line where the image goes
    chat_template = (
        "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' }}"
        "{% if message['content'] is string %}{{ message['content'] }}{% else %}{% for c in message['content'] %}"
        "{% if c['type'] == 'image' %}{{ '<IMG_CONTEXT>\n' }}{% elif c['type'] == 'text' %}{{ c['text'] }}"
        "{% endif %}{% endfor %}{% endif %}{{ '<|im_end|>\n' }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
    )

    def _classes(self):
        from transformers import InternVLForConditionalGeneration, InternVLProcessor

        return InternVLForConditionalGeneration, InternVLProcessor, internvl_image_only

    @staticmethod
    def _side(e: dict) -> int:
        """The tile side: an even number of patches per side (the pixel shuffle halves each side)."""
        factor = 2 * e["patch_size"]
        return max(factor, e["image_size"] // factor * factor)

    def _config(self, e, text, tid):
        from transformers import InternVLConfig

        side = self._side(e)
        vision = {"model_type": "internvl_vision", "hidden_size": e["vision_hidden"],
                  "intermediate_size": e.get("vision_intermediate", 2 * e["vision_hidden"]),
                  "num_hidden_layers": e["vision_layers"], "num_attention_heads": e["vision_heads"],
                  "image_size": [side, side], "patch_size": [e["patch_size"]] * 2, "attention_bias": True,
                  "hidden_act": "gelu", "norm_type": "layer_norm", "use_qk_norm": False,
                  "use_mean_pooling": True}
        return InternVLConfig(vision_config=vision, text_config=text, image_token_id=tid("<IMG_CONTEXT>"),
                              image_seq_length=self._seq_length(e), downsample_ratio=0.5,
                              vision_feature_layer=-1, vision_feature_select_strategy="default",
                              tie_word_embeddings=False)

    def _seq_length(self, e: dict) -> int:
        return (self._side(e) // e["patch_size"] // 2) ** 2

    def _image_processor(self, e):
        from transformers import GotOcr2ImageProcessorPil

        side = self._side(e)
        return GotOcr2ImageProcessorPil(size={"height": side, "width": side}, crop_to_patches=False,
                                        min_patches=1, max_patches=1, image_mean=[0.485, 0.456, 0.406],
                                        image_std=[0.229, 0.224, 0.225])

    def _processor_kwargs(self, e):
        return {"image_seq_length": self._seq_length(e)}
