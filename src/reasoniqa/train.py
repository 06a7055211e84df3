"""LoRA tuning with peft: seed -> model -> data -> loop -> adapter, resumable from checkpoints.

A plain loop (no Trainer): the batch order is a pure function of (seed, step), so a run killed and
resumed from its last checkpoint reaches the same adapter as an uninterrupted run.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
from pathlib import Path

import numpy as np

from reasoniqa import UserError
from reasoniqa.config import section_hash
from reasoniqa.io import atomic_dir, read_jsonl, sha256_file, write_json

log = logging.getLogger(__name__)

DEFAULT_LORA_TARGET = r".*language_model.*\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)"


def batch_indices(seed: int, step: int, batch_size: int, n: int) -> list[int]:
    """Indices of the examples in `step`: a fresh seeded permutation per epoch, no state carried."""
    out = []
    for pos in range(step * batch_size, (step + 1) * batch_size):
        epoch, offset = divmod(pos, n)
        out.append(int(np.random.default_rng([seed, epoch]).permutation(n)[offset]))
    return out


def lora_config(cfg: dict):
    from peft import LoraConfig

    t = cfg["train"]
    return LoraConfig(
        r=t["lora_r"],
        lora_alpha=t["lora_alpha"],
        lora_dropout=t["lora_dropout"],
        target_modules=t.get("lora_target", DEFAULT_LORA_TARGET),
        modules_to_save=list(t["modules_to_save"]) or None,
        task_type="CAUSAL_LM",
    )


def _latest_checkpoint(ckpt_root: Path) -> Path | None:
    found = sorted(p for p in ckpt_root.glob("step_*") if re.fullmatch(r"step_\d{6}", p.name))
    return found[-1] if found else None


def _save_checkpoint(model, optimizer, scheduler, step: int, losses: list[float], ckpt_root: Path) -> None:
    import torch

    with atomic_dir(ckpt_root / f"step_{step:06d}") as tmp:
        model.save_pretrained(tmp)
        torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, tmp / "optim.pt")
        write_json(tmp / "state.json", {"step": step, "losses": losses})
    for old in ckpt_root.glob("step_*"):  # keep only the newest
        if old.name != f"step_{step:06d}":
            shutil.rmtree(old, ignore_errors=True)


def _load_checkpoint(model, optimizer, scheduler, path: Path) -> tuple[int, list[float]]:
    import torch
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    set_peft_model_state_dict(model, load_file(path / "adapter_model.safetensors"))
    state = torch.load(path / "optim.pt", weights_only=True)  # no pickle: tensors and numbers only
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    meta = json.loads((path / "state.json").read_text())
    return meta["step"], meta["losses"]


def train(cfg: dict, base: str, record_files: list[str], seed: int, out: str | Path,
          ckpt_root: str | Path, split: str = "train", stop_after: int | None = None) -> dict:
    """Train a LoRA adapter on the `split` records; write it to `out` (atomically). Returns run stats.

    `stop_after` ends the run early after that many steps (used to test kill-and-resume).
    """
    import torch
    from peft import get_peft_model
    from tqdm import tqdm
    from transformers import get_cosine_schedule_with_warmup

    from reasoniqa.batching import collate, encode_record
    from reasoniqa.model.load import load_base

    t = cfg["train"]
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    model, processor = load_base(base, cfg)
    model = get_peft_model(model, lora_config(cfg))
    model.train()
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    log.info("trainable parameters: %d", trainable)

    records = [r for f in record_files for r in read_jsonl(f) if r["split"] == split]
    if not records:
        raise UserError(f"no {split!r} records in {', '.join(record_files)}")
    items = [encode_record(processor, r) for r in tqdm(records, desc="encode", leave=False)]

    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=t["lr"], weight_decay=t["weight_decay"]
    )
    scheduler = get_cosine_schedule_with_warmup(optimizer, int(t["warmup_ratio"] * t["steps"]), t["steps"])
    ckpt_root = Path(ckpt_root)
    start, losses = 0, []
    if (latest := _latest_checkpoint(ckpt_root)) is not None:
        start, losses = _load_checkpoint(model, optimizer, scheduler, latest)
        log.info("resumed from %s (step %d)", latest, start)

    started = time.time()
    bar = tqdm(range(start, t["steps"]), desc=f"train seed {seed}", initial=start, total=t["steps"])
    for step in bar:
        batch = collate([items[i] for i in batch_indices(seed, step, t["batch_size"], len(items))],
                        processor.tokenizer.pad_token_id)
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(round(loss.item(), 6))
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
        done = step + 1
        if done % t["checkpoint_every"] == 0 and done < t["steps"]:
            _save_checkpoint(model, optimizer, scheduler, done, losses, ckpt_root)
        if stop_after is not None and done >= stop_after:
            _save_checkpoint(model, optimizer, scheduler, done, losses, ckpt_root)
            return {"stopped_at": done}
    stats = {
        "seed": seed,
        "steps": t["steps"],
        "examples": len(items),
        "trainable_parameters": trainable,
        "loss_first": losses[0],
        "loss_last_10_mean": float(np.mean(losses[-10:])),
        "config_hash": section_hash(cfg["train"], cfg["model"], cfg["levels"], cfg["prompts"]),
        "inputs": {str(f): sha256_file(f) for f in record_files},
        "base": str(base),
    }
    with atomic_dir(out) as tmp:
        model.save_pretrained(tmp)
        write_json(tmp / "train_meta.json", {**stats, "losses": losses})
    log.info("trained %d steps in %.1fs; loss %.3f -> %.3f", t["steps"] - start, time.time() - started,
             stats["loss_first"], stats["loss_last_10_mean"])
    return stats
