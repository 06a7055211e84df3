"""GPU benchmark of the real LLaVA-1.5-7B shape with random weights (no hub): scoring throughput and
model FLOP utilisation, K=10 shared-prefix sampling, and one LoRA training step with gradient
checkpointing. Writes JSON (the `gpu` section of bench.json). Usage on a GPU machine:
    PYTHONPATH=src python3 benchmarks/gpu.py --out gpu.json          (--tiny: a CPU smoke test of the script)
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import torch
from transformers import CLIPVisionConfig, LlamaConfig, LlavaConfig, LlavaForConditionalGeneration

from reasoniqa.sampling import sample_from_prefix, sampling_args

IMAGE_TOKEN_ID = 32000
SPEC_BF16_TFLOPS = {"H100": 989.0, "H200": 989.0, "A100": 312.0}  # dense bf16 tensor-core peaks


def llava_7b_config(tiny: bool = False) -> LlavaConfig:
    """llava-hf/llava-1.5-7b-hf's architecture: CLIP ViT-L/14 at 336 px + Llama-2-7B (vocab 32064)."""
    vision = dict(hidden_size=1024, intermediate_size=4096, num_hidden_layers=24, num_attention_heads=16,
                  image_size=336, patch_size=14, projection_dim=768)
    text = dict(hidden_size=4096, intermediate_size=11008, num_hidden_layers=32, num_attention_heads=32,
                num_key_value_heads=32, vocab_size=32064, max_position_embeddings=4096, rms_norm_eps=1e-5)
    if tiny:
        vision.update(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=2)
        text.update(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=2,
                    num_key_value_heads=2)
    return LlavaConfig(vision_config=CLIPVisionConfig(**vision), text_config=LlamaConfig(**text),
                       image_token_id=IMAGE_TOKEN_ID, projector_hidden_act="gelu",
                       vision_feature_select_strategy="default", vision_feature_layer=-2)


def build(config: LlavaConfig, device: str, dtype) -> LlavaForConditionalGeneration:
    """Random init directly on the device (no weights are read from anywhere)."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            model = LlavaForConditionalGeneration(config)
    finally:
        torch.set_default_dtype(previous)
    return model.eval()


def batch_inputs(config: LlavaConfig, batch: int, prompt_tokens: int, device: str, dtype, seed: int = 0) -> dict:
    """LLaVA-1.5 layout: BOS, a few prompt tokens, 576 image tokens, the rest of the prompt."""
    g = torch.Generator().manual_seed(seed)
    v = config.vision_config
    n_image = (v.image_size // v.patch_size) ** 2
    ids = torch.randint(3, 32000, (batch, prompt_tokens + n_image), generator=g)
    ids[:, 0] = 1
    ids[:, 5 : 5 + n_image] = IMAGE_TOKEN_ID
    pixels = torch.randn(batch, 3, v.image_size, v.image_size, generator=g)
    return {"input_ids": ids.to(device), "attention_mask": torch.ones_like(ids).to(device),
            "pixel_values": pixels.to(device, dtype)}


def forward_flops(config: LlavaConfig, tokens: int) -> float:
    """Matmul FLOPs of one forward pass per image: 2 x params x tokens for the dense layers plus causal
    self-attention (QK^T and AV), for the language model and the vision tower (577 tokens)."""
    t, v = config.text_config, config.vision_config
    lm_layer = 4 * t.hidden_size**2 + 3 * t.hidden_size * t.intermediate_size
    vis_layer = 4 * v.hidden_size**2 + 2 * v.hidden_size * v.intermediate_size
    vis_tokens = (v.image_size // v.patch_size) ** 2 + 1
    projector = v.hidden_size * t.hidden_size + t.hidden_size**2
    return (2 * tokens * t.num_hidden_layers * lm_layer + 2 * t.num_hidden_layers * tokens**2 * t.hidden_size
            + 2 * vis_tokens * v.num_hidden_layers * vis_layer + 4 * v.num_hidden_layers * vis_tokens**2 * v.hidden_size
            + 2 * (vis_tokens - 1) * projector + 2 * t.hidden_size * t.vocab_size)  # LM head at one position


def timed(fn, device: str, warmup: int = 2, iters: int = 5) -> float:
    for _ in range(warmup):
        fn()
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    sync()
    t = time.perf_counter()
    for _ in range(iters):
        fn()
    sync()
    return (time.perf_counter() - t) / iters


def matmul_tflops(device: str, n: int = 8192) -> float:
    a = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    return 2 * n**3 / timed(lambda: a @ b, device, 3, 10) / 1e12


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--tiny", action="store_true", help="small widths on CPU: checks the script, measures nothing")
    ap.add_argument("--score-batch", type=int, default=32)
    ap.add_argument("--sample-batch", type=int, default=8)
    ap.add_argument("--train-batch", type=int, default=8)
    args = ap.parse_args()
    device = "cpu" if args.tiny else "cuda"
    dtype = torch.float32 if args.tiny else torch.bfloat16
    config = llava_7b_config(args.tiny)
    res: dict = {"device": torch.cuda.get_device_name() if device == "cuda" else platform.processor(),
                 "torch": torch.__version__, "dtype": str(dtype)}
    t = time.perf_counter()
    model = build(config, device, dtype)
    res["build_s"] = time.perf_counter() - t
    res["params_b"] = sum(p.numel() for p in model.parameters()) / 1e9
    print(json.dumps(res), flush=True)

    # Scoring: one forward per batch, logits at the answer position only (Q-Align scoring).
    prompt_tokens = 40
    inputs = batch_inputs(config, args.score_batch, prompt_tokens, device, dtype)
    tokens = inputs["input_ids"].shape[1]
    with torch.inference_mode():
        sec = timed(lambda: model(**inputs, logits_to_keep=1), device)
    res["scoring_batch"] = args.score_batch
    res["scoring_images_per_s"] = args.score_batch / sec
    achieved = forward_flops(config, tokens) * args.score_batch / sec / 1e12
    res["scoring_tflops"] = achieved
    if device == "cuda":
        name = torch.cuda.get_device_name()
        peak = next((v for k, v in SPEC_BF16_TFLOPS.items() if k in name), None)
        res["bf16_spec_tflops"] = peak
        res["scoring_mfu"] = achieved / peak if peak else None
        res["matmul_8192_tflops"] = matmul_tflops(device)
        res["scoring_mfu_vs_measured_matmul"] = achieved / res["matmul_8192_tflops"]
    print(json.dumps(res), flush=True)

    # Repeated sampling: K=10 answers per image from one shared prefix vs K separate generate calls.
    k, new = 10, 16
    inputs = batch_inputs(config, args.sample_batch, prompt_tokens, device, dtype, seed=1)
    fixed = {**sampling_args(1.0), "min_new_tokens": new}  # fixed length: random weights emit EOS at random
    shared = timed(lambda: sample_from_prefix(model, inputs, k, new, fixed, 0, None), device, 1, 2)

    def separate():
        with torch.inference_mode():
            for _ in range(k):
                model.generate(**inputs, max_new_tokens=new, pad_token_id=0, eos_token_id=None, **fixed)

    apart = timed(separate, device, 1, 1)
    res.update(sampling_k=k, sampling_new_tokens=new, sampling_images_per_s=args.sample_batch / shared,
               sampling_shared_prefix_speedup=apart / shared)
    print(json.dumps(res), flush=True)

    # One LoRA step (language model attention + MLP, r=8) with gradient checkpointing, answer-only loss.
    from peft import LoraConfig, get_peft_model

    model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.enable_input_require_grads()
    lora = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, task_type="CAUSAL_LM",
                                            target_modules=r".*language_model.*\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)"))
    lora.train()
    inputs = batch_inputs(config, args.train_batch, prompt_tokens + 24, device, dtype, seed=2)
    labels = torch.full_like(inputs["input_ids"], -100)
    labels[:, -24:] = inputs["input_ids"][:, -24:]
    opt = torch.optim.AdamW([p for p in lora.parameters() if p.requires_grad], lr=1e-4)

    def step():
        loss = lora(**inputs, labels=labels).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    res["lora_step_s"] = timed(step, device, 1, 3)
    res["lora_batch"] = args.train_batch
    res["lora_trainable_m"] = sum(p.numel() for p in lora.parameters() if p.requires_grad) / 1e6
    if device == "cuda":
        res["lora_peak_mem_gib"] = torch.cuda.max_memory_allocated() / 2**30
    print(json.dumps(res), flush=True)
    with open(args.out, "w") as f:
        json.dump(res, f, indent=2, sort_keys=True)


if __name__ == "__main__":
    main()
