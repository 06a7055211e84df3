"""GPU benchmark through the package's own functions, at the paper-scale shapes of each model family
(random weights built from config directly on the GPU: no hub, no weights read).

Per family (reasoniqa.model.families: its `paper_dims`): scoring (`scoring.level_probabilities`),
shared-prefix sampling of K answers (`sampling.sample_continuations`), lens + attention
(`lens.analyze`, eager attention), and LoRA training steps with the config's LoRA (`train.lora_config`,
`batching.encode_record` / `collate`, the same step as `train.train`): time and peak memory. The tokenizer
is the family's small one trained here, so the vocabulary (and LM head) is smaller than the real
checkpoint's; everything else has the published sizes.

    make test-gpu                              # the gpu-marked tests, then this script -> benchmarks/gpu.json
    python benchmarks/gpu.py --tiny --out x    # CPU check of the script at tiny sizes (measures nothing)
    python benchmarks/gpu.py --table --out benchmarks/gpu.json   # the README's table of a run
"""

from __future__ import annotations

import argparse
import copy
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, sync, warmup: int = 1, iters: int = 3) -> float:
    for _ in range(warmup):
        fn()
    sync()
    t = time.perf_counter()
    for _ in range(iters):
        fn()
    sync()
    return (time.perf_counter() - t) / iters


def images(folder: Path, n: int, size: int) -> list[str]:
    """n photographs (the packages' own, cropped and resized) as PNG files the processors read."""
    from PIL import Image

    from reasoniqa.data.photos import PHOTOS, load_photo

    paths = []
    names = sorted(PHOTOS)
    for i in range(n):
        img = Image.fromarray(load_photo(names[i % len(names)])).convert("RGB").resize((size, size))
        paths.append(str(folder / f"{i}.png"))
        img.save(paths[-1])
    return paths


def scoring_tokens(cfg: dict, processor, image: str) -> int:
    """Tokens of one rating prompt with its image, as the family's processor encodes it."""
    from reasoniqa.batching import encode_batch
    from reasoniqa.prompts import Prompts

    return int(encode_batch(processor, [Prompts(cfg, processor).rate()], [image], 0)["input_ids"].shape[1])


def throughput(res: dict) -> dict:
    """Model FLOP/s of the measured rates, by the usual count: 2 x parameters per token for a forward,
    6 x for a LoRA step (forward, backward through the frozen weights, recomputation by gradient
    checkpointing). Attention's quadratic term is left out and the vision tower is counted per text token,
    so these are approximate; compare with the card's dense bf16 peak."""
    params = res["params_b"] * 1e9
    return {"scoring_tflop_s": 2 * params * res["scoring_tokens"] * res["scoring_images_per_s"] / 1e12,
            "lora_tflop_s": 6 * params * res["lora_tokens"] * res["lora_batch"] / res["lora_step_s"] / 1e12}


def paper_shape(name: str, cfg: dict, device: str, dtype, tiny: bool):
    """The family's model at its published sizes (the test config's tiny ones with `tiny`), random weights."""
    import torch

    from reasoniqa.model.families import get_family

    family = get_family(name)
    cfg = copy.deepcopy(cfg)
    if not tiny:
        cfg["model"]["embedded"].update(family.paper_dims)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            model, processor = family.build(cfg)
    finally:
        torch.set_default_dtype(previous)
    return family, cfg, model, processor


def derive(path: Path, tiny: bool) -> None:
    """Adds the token counts and FLOP/s to a gpu.json written before they were measured (the processors
    are built on the meta device: no weights, no GPU)."""
    import torch

    from reasoniqa.config import load_config

    out = json.loads(path.read_text())
    cfg = load_config([ROOT / "config/config.yaml", ROOT / ("config/test.yaml" if tiny else "config/paper.yaml")])
    with tempfile.TemporaryDirectory() as tmp:
        for name, res in out["families"].items():
            _, fcfg, _, processor = paper_shape(name, cfg, "meta", torch.float32, tiny)
            res["scoring_tokens"] = scoring_tokens(fcfg, processor,
                                                   images(Path(tmp), 1, fcfg["model"]["embedded"]["image_size"])[0])
            res.update(throughput(res))
    out["derived_after_the_run"] = "scoring_tokens, *_tflop_s: gpu.py --derive (processors on the meta device)"
    path.write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")


def table(path: Path) -> str:
    """The README's table of a gpu.json."""
    out = json.loads(path.read_text())
    first = next(iter(out["families"].values()))
    rows = [f"| family (shape of) | scoring img/s (batch {first['scoring_batch']}) | tokens | ≈ TFLOP/s | peak GiB "
            f"| K={first['sampling_k']} sampling img/s (batch {first['sampling_batch']}) | peak GiB | lens img/s "
            f"| LoRA step s (batch {first['lora_batch']}) | tokens | ≈ TFLOP/s | peak GiB |", "|" + "---|" * 12]
    for name, r in out["families"].items():
        r = {k: r.get(k, float("nan")) for k in (*r, "scoring_peak_mem_gib", "sampling_peak_mem_gib", "lora_peak_mem_gib")}
        rows.append(f"| {name} ({r['paper_model']}) | {r['scoring_images_per_s']:.1f} | {r['scoring_tokens']} "
                    f"| {r['scoring_tflop_s']:.0f} | {r['scoring_peak_mem_gib']:.1f} | {r['sampling_images_per_s']:.1f} "
                    f"| {r['sampling_peak_mem_gib']:.1f} | {r['lens_images_per_s']:.1f} | {r['lora_step_s']:.2f} "
                    f"| {r['lora_tokens']} | {r['lora_tflop_s']:.0f} | {r['lora_peak_mem_gib']:.1f} |")
    return "\n".join(rows)


def bench_family(name: str, cfg: dict, device: str, tiny: bool, args, folder: Path) -> dict:
    import torch
    from peft import get_peft_model

    from reasoniqa.batching import collate, encode_record
    from reasoniqa.device import to_model
    from reasoniqa.lens import analyze
    from reasoniqa.prompts import Prompts
    from reasoniqa.sampling import sample_continuations
    from reasoniqa.scoring import level_probabilities
    from reasoniqa.train import check_modules_to_save, lora_config

    dtype = torch.bfloat16 if device == "cuda" else torch.float32
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    t = time.perf_counter()
    family, cfg, model, processor = paper_shape(name, cfg, device, dtype, tiny)
    kernel = args.attention or "sdpa"
    model.set_attn_implementation(kernel)  # as load_base does with model.attention
    res: dict = {"paper_model": family.paper_model, "attention": kernel}
    model.eval()
    processor.tokenizer.padding_side = "left"
    res["build_s"] = time.perf_counter() - t
    res["params_b"] = sum(p.numel() for p in model.parameters()) / 1e9
    size = cfg["model"]["embedded"]["image_size"]
    paths = images(folder, max(args.score_batch, args.sample_batch, args.train_batch), size)
    prompts, words = Prompts(cfg, processor), cfg["levels"]["words"]

    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    score = [prompts.rate()] * args.score_batch
    sec = timed(lambda: level_probabilities(model, processor, score, paths[: args.score_batch], words,
                                            args.score_batch, progress=False), sync)
    res.update(scoring_batch=args.score_batch, scoring_images_per_s=args.score_batch / sec,
               scoring_tokens=scoring_tokens(cfg, processor, paths[0]))
    if device == "cuda":  # each step's own peak: sampling's K rows of KV cache dwarf scoring's one pass
        res["scoring_peak_mem_gib"] = torch.cuda.max_memory_allocated() / 2**30
        torch.cuda.reset_peak_memory_stats()
    k, new = 10, 16
    describe = [prompts.describe()] * args.sample_batch
    sec = timed(lambda: sample_continuations(model, processor, describe, paths[: args.sample_batch], k, 1.0, new,
                                             0, args.sample_batch, progress=False), sync, 1, 2)
    res.update(sampling_batch=args.sample_batch, sampling_k=k, sampling_max_new_tokens=new,
               sampling_images_per_s=args.sample_batch / sec)
    if device == "cuda":
        res["sampling_peak_mem_gib"] = torch.cuda.max_memory_allocated() / 2**30
    model.set_attn_implementation("eager")  # attention weights for the lens
    lens_cfg = {**cfg, "analysis": {**cfg["analysis"], "batch_size": args.lens_batch}}
    n = args.lens_batch
    sec = timed(lambda: analyze(lens_cfg, "one_stage_desc", model, processor, paths[:n], ["Edges are sharp."] * n,
                                progress=False), sync, 1, 2)
    res.update(lens_batch=n, lens_images_per_s=n / sec)
    model.set_attn_implementation(kernel)

    if device == "cuda":  # as train.train does on a GPU
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.enable_input_require_grads()
    to_save = [family.projector]  # the family's own projector (paper.yaml names LLaVA's)
    check_modules_to_save(model, to_save)
    lora = get_peft_model(model, lora_config(cfg, to_save))
    lora.train()
    records = [{"turn": "describe_and_rate", "image": p, "description": "Edges are sharp, no grain is visible.",
                "level": "good"} for p in paths[: args.train_batch]]
    batch = to_model(collate([encode_record(processor, prompts, r) for r in records],
                             processor.tokenizer.pad_token_id), lora)
    optimizer = torch.optim.AdamW([p for p in lora.parameters() if p.requires_grad], lr=cfg["train"]["lr"])

    def step():
        with torch.autocast(device, dtype=torch.bfloat16, enabled=device == "cuda"):
            loss = lora(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    res["lora_step_s"] = timed(step, sync, 1, 3)
    res.update(lora_batch=args.train_batch, lora_tokens=int(batch["input_ids"].shape[1]),
               lora_trainable_m=sum(p.numel() for p in lora.parameters() if p.requires_grad) / 1e6)
    if device == "cuda":
        res["lora_peak_mem_gib"] = torch.cuda.max_memory_allocated() / 2**30
    if args.profile_step:
        res["lora_step_profile"] = profile(step, sync)
    res.update(throughput(res))
    return res


def profile(step, sync, top: int = 12) -> dict:
    """One step under torch.profiler: its wall time against the device's busy time (the kernels' own
    time summed), kernel launches, the attention calls, and the ops called most often and taking most
    device time (CPU time where there is no device)."""
    import torch
    from torch.profiler import ProfilerActivity

    cuda = torch.cuda.is_available()
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    with torch.profiler.profile(activities=activities) as prof:
        t = time.perf_counter()
        step()
        sync()
        wall = time.perf_counter() - t
    events = prof.key_averages()
    timed_us = (lambda e: e.device_time_total) if cuda else (lambda e: e.cpu_time_total)
    row = lambda e: {"op": e.key, "calls": e.count, "ms": round(timed_us(e) / 1e3, 2)}  # noqa: E731
    launches = sum(e.count for e in events if e.key in ("cudaLaunchKernel", "cuLaunchKernelEx", "cuLaunchKernel"))
    return {"step_wall_ms": round(wall * 1e3, 1),  # under the profiler: slower than lora_step_s
            # every event's own device time summed: ops and the kernels they launch both carry it, so about
            # twice the kernels' time; kernel_ms counts the kernels alone
            "device_busy_ms": round(sum(e.self_device_time_total for e in events) / 1e3, 1) if cuda else None,
            "kernel_ms": round(sum(e.self_device_time_total for e in events
                                   if str(e.device_type).endswith("CUDA")) / 1e3, 1) if cuda else None,
            "kernel_launches": launches,
            "attention_ops": [row(e) for e in events if "attention" in e.key or "scaled_dot" in e.key],
            "most_calls": [row(e) for e in sorted(events, key=lambda e: -e.count)[:top]],
            "most_time": [row(e) for e in sorted(events, key=lambda e: -timed_us(e))[:top]]}


def main(argv=None) -> None:
    import torch

    from reasoniqa.config import load_config
    from reasoniqa.model.families import registry

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--derive", action="store_true", help="add token counts and FLOP/s to an existing --out file")
    ap.add_argument("--table", action="store_true", help="print the README's table of an existing --out file")
    ap.add_argument("--families", nargs="+", default=list(registry()))
    ap.add_argument("--tiny", action="store_true", help="the test config's tiny sizes on CPU: checks the script")
    ap.add_argument("--score-batch", type=int, default=32)
    ap.add_argument("--sample-batch", type=int, default=8)
    ap.add_argument("--lens-batch", type=int, default=4)
    ap.add_argument("--train-batch", type=int, default=8)
    ap.add_argument("--attention", help="attention kernel for every step but the lens (config model.attention; "
                                        "default: transformers' sdpa)")
    ap.add_argument("--profile-step", action="store_true",
                    help="also profile one LoRA step (torch.profiler): the most frequent and costliest ops")
    args = ap.parse_args(argv)
    if args.derive:
        return derive(Path(args.out), args.tiny)
    if args.table:
        return print(table(Path(args.out)))
    device = "cpu" if args.tiny else "cuda"
    configs = [ROOT / "config/config.yaml", ROOT / ("config/test.yaml" if args.tiny else "config/paper.yaml")]
    cfg = load_config(configs)
    import transformers

    out = {"command": " ".join(["python", "benchmarks/gpu.py", *(argv or sys.argv[1:])]),
           "device": torch.cuda.get_device_name() if device == "cuda" else platform.processor() or "cpu",
           "torch": torch.__version__, "transformers": transformers.__version__,
           "measured_on": time.strftime("%Y-%m-%d"), "families": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.families:
            out["families"][name] = bench_family(name, cfg, device, args.tiny, args, Path(tmp))
            if device == "cuda":  # the family's model is gone with its frame: free its memory
                import gc

                gc.collect()
                torch.cuda.empty_cache()
            print(json.dumps({name: out["families"][name]}), flush=True)
            # after each family: a run stopped at a time limit keeps the families it finished
            Path(args.out).write_text(json.dumps(out, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
