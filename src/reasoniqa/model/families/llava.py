"""LLaVA-1.5 (CLIP vision + Llama text): the embedded default's family, and the paper's LLaVA-1.5-7B."""

from __future__ import annotations

from reasoniqa.model.families import Family

IMAGE_TOKEN = "<image>"
SPECIALS = ["<unk>", "<s>", "</s>", "<pad>", IMAGE_TOKEN]
# LLaVA-1.5's conversation format ("USER: <image>\n... ASSISTANT:"), as llava-hf's checkpoints render it.
CHAT_TEMPLATE = (
    "{%- for message in messages -%}{{ message['role'].upper() + ': ' }}"
    "{%- for c in message['content'] if c['type'] == 'image' -%}{{ '<image>\\n' }}{%- endfor -%}"
    "{%- for c in message['content'] if c['type'] == 'text' -%}{{ c['text'] + ' ' }}{%- endfor -%}"
    "{%- endfor -%}{%- if add_generation_prompt -%}{{ 'ASSISTANT:' }}{%- endif -%}"
)


class Llava(Family):
    name = "llava"
    model_types = ("llava",)
    paper_model = "llava-hf/llava-1.5-7b-hf"
    projector = "multi_modal_projector"
    # CLIP ViT-L/14 at 336 px + Llama-2-7B
    paper_dims = {"image_size": 336, "patch_size": 14, "vision_hidden": 1024, "vision_intermediate": 4096,
                  "vision_layers": 24, "vision_heads": 16, "text_hidden": 4096, "text_layers": 32,
                  "text_heads": 32, "intermediate": 11008}

    def build(self, cfg: dict):
        """(model, processor): random init at `cfg['model']['embedded']`'s sizes, in memory (on the
        default device and dtype: the GPU benchmark builds LLaVA-1.5-7B's shape this way)."""
        import torch
        from transformers import (
            CLIPImageProcessorPil,
            CLIPVisionConfig,
            LlamaConfig,
            LlavaConfig,
            LlavaForConditionalGeneration,
            LlavaProcessor,
        )

        from reasoniqa.model.tokenizer import build_tokenizer, tokenizer_corpus

        e = cfg["model"]["embedded"]
        torch.manual_seed(e["seed"])
        tokenizer = build_tokenizer(tokenizer_corpus(cfg, CHAT_TEMPLATE), e["vocab_size"], SPECIALS,
                                    unk_token="<unk>", bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                                    extra_special_tokens={"image_token": IMAGE_TOKEN})
        image_token_id = tokenizer.convert_tokens_to_ids(IMAGE_TOKEN)
        n_patches = (e["image_size"] // e["patch_size"]) ** 2
        vision = CLIPVisionConfig(
            hidden_size=e["vision_hidden"],
            intermediate_size=e.get("vision_intermediate", 2 * e["vision_hidden"]),
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
            num_key_value_heads=e.get("text_kv_heads", e["text_heads"]),
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
            chat_template=CHAT_TEMPLATE,
        )
        return model, processor
