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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reasoniqa import STAGES, UserError
from reasoniqa.config import model_section, section_hash
from reasoniqa.io import atomic_dir, read_jsonl, sha256_file, write_json

log = logging.getLogger(__name__)

DEFAULT_LORA_TARGET = r".*language_model.*\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)"


# Turns whose answer is a description: train.level_balance applies where a stage's records have them
# (each record file holds one kind, so a stage's records are all reweighted or none).
DESCRIBING_TURNS = ("describe", "describe_and_rate")


def level_weights(records: list[dict], power: float) -> np.ndarray | None:
    """Sampling probabilities that draw records with rare feature levels more often (train.level_balance).

    A record's weight is the mean, over the features whose level varies, of its level's frequency among
    the records raised to -`power`: at 1 a level named by 10 % of the records is drawn about as often as one
    named by 60 %, on average over the features. Why: with "none" the common level of each degradation,
    a stage 1 trained on uniform draws learns to name "none" (README "Where the levels are cut"); measured,
    the weighted draw does not cure that (README, stage 1 item 5), so it is off by default.
    None (uniform draws, the plain permutation) at power 0 or when no record teaches a description."""
    from collections import Counter

    if power == 0 or not any(r.get("turn") in DESCRIBING_TURNS for r in records):
        return None
    counts = {f: Counter(r["features"].get(f) for r in records) for f in sorted({f for r in records for f in r["features"]})}
    features = [f for f, c in counts.items() if len(c) > 1]  # a level every record shares weighs nothing
    if not features:
        return None
    n = len(records)
    weights = np.array([np.mean([(counts[f][r["features"].get(f)] / n) ** -power for f in features])
                        for r in records])
    return weights / weights.sum()


def batch_indices(seed: int, step: int, batch_size: int, n: int, weights: np.ndarray | None = None) -> list[int]:
    """Indices of the examples in `step`: a fresh seeded permutation per epoch, no state carried; with
    `weights` (level_weights), `batch_size` draws with those probabilities, seeded by (seed, step)."""
    if weights is not None:
        return [int(i) for i in np.random.default_rng([seed, step]).choice(n, batch_size, p=weights)]
    out = []
    for pos in range(step * batch_size, (step + 1) * batch_size):
        epoch, offset = divmod(pos, n)
        out.append(int(np.random.default_rng([seed, epoch]).permutation(n)[offset]))
    return out


def stage_plan(cfg: dict, stage: str) -> dict:
    """Steps and fully-trained modules of a stage. The two stages share the one-stage budget:
    stage 1 gets `stage1_fraction` of `train.steps`, stage 2 the rest, with the same schedule shape."""
    t = cfg["train"]
    stage1 = max(1, round(t["steps"] * t["stage1_fraction"]))
    if stage == "one_stage":
        return {"steps": t["steps"], "modules_to_save": list(t["modules_to_save"])}
    if stage == "stage1":
        return {"steps": stage1, "modules_to_save": list(t["modules_to_save"])}
    if stage == "stage2":  # text only: the vision side sees no input, so only the LM adapts
        return {"steps": max(1, t["steps"] - stage1), "modules_to_save": []}
    raise UserError(f"unknown training stage {stage!r} (known: {', '.join(STAGES)})")


def check_modules_to_save(model, names: list[str]) -> None:
    """Each name matches a module (PEFT would skip a name that matches none, silently)."""
    from reasoniqa.model.families import family_of

    modules = [n for n, _ in model.named_modules()]
    for name in names:
        if not any(m == name or m.endswith("." + name) for m in modules):
            family = family_of(model.config.model_type)
            hint = f"; its projector is {family.projector!r}" if family.projector else ""
            raise UserError(f"train.modules_to_save: no module {name!r} in this {model.config.model_type} model{hint}")


def lora_config(cfg: dict, modules_to_save: list[str]):
    from peft import LoraConfig

    t = cfg["train"]
    return LoraConfig(
        r=t["lora_r"],
        lora_alpha=t["lora_alpha"],
        lora_dropout=t["lora_dropout"],
        target_modules=t.get("lora_target", DEFAULT_LORA_TARGET),
        modules_to_save=modules_to_save or None,
        task_type="CAUSAL_LM",
    )


def trained_sections(cfg: dict) -> tuple:
    """The config a trained adapter depends on (its fingerprint and recorded hash): the embedded model's
    sizes only where that model is the source (reasoniqa.config.model_section); the described features
    too, which the describe question names (rule_config's _CHAT)."""
    return cfg["train"], model_section(cfg), cfg["levels"], cfg["prompts"], cfg["labels"].get("features")


def merge_adapter(cfg: dict, base: str, adapter: str, out: str | Path) -> None:
    """Fold a LoRA adapter into its base and save the result as a plain model (stage 1 -> stage 2)."""
    from peft import PeftModel

    from reasoniqa.model.load import load_base, save_model

    model, processor = load_base(base, cfg)
    merged = PeftModel.from_pretrained(model, adapter).merge_and_unload()
    save_model(merged, processor, out)


def _latest_checkpoint(ckpt_root: Path) -> Path | None:
    found = sorted(p for p in ckpt_root.glob("step_*") if re.fullmatch(r"step_\d{6}", p.name))
    return found[-1] if found else None


def _save_checkpoint(model, optimizer, scheduler, step: int, losses: list[float], ckpt_root: Path,
                     fingerprint: str) -> None:
    import torch

    with atomic_dir(ckpt_root / f"step_{step:06d}", stamp=False) as tmp:
        model.save_pretrained(tmp)
        torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}, tmp / "optim.pt")
        write_json(tmp / "state.json", {"step": step, "losses": losses, "fingerprint": fingerprint})
    for old in ckpt_root.glob("step_*"):  # keep only the newest
        if old.name != f"step_{step:06d}":
            shutil.rmtree(old, ignore_errors=True)


def _checkpoint_matches(path: Path, fingerprint: str) -> bool:
    try:
        return json.loads((path / "state.json").read_text()).get("fingerprint") == fingerprint
    except (OSError, ValueError):
        return False


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


@dataclass
class Training:
    """Everything one training run steps through (prepare_training); `training_step` advances it."""
    model: object
    processor: object
    items: object  # EncodedRecords
    optimizer: object
    scheduler: object
    steps: int
    batch_size: int
    trainable: int
    weights: np.ndarray | None = None  # level_weights: None draws uniformly


def prepare_training(cfg: dict, base: str, record_files: list[str], seed: int, stage: str = "one_stage",
                     split: str = "train") -> Training:
    """Seed, base model with its LoRA adapter, the `split` records (encoded lazily), optimizer and schedule."""
    import torch
    from peft import get_peft_model
    from transformers import get_cosine_schedule_with_warmup

    from reasoniqa.batching import EncodedRecords, encode_record
    from reasoniqa.device import input_device
    from reasoniqa.model.load import load_base
    from reasoniqa.prompts import Prompts

    t = cfg["train"]
    plan = stage_plan(cfg, stage)
    steps = plan["steps"]
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=torch.cuda.is_available())
    model, processor = load_base(base, cfg)  # placed by reasoniqa.device
    if input_device(model).type == "cuda":  # memory: recompute activations instead of storing them
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.enable_input_require_grads()
    check_modules_to_save(model, plan["modules_to_save"])
    model = get_peft_model(model, lora_config(cfg, plan["modules_to_save"]))
    model.train()
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    log.info("trainable parameters: %d", trainable)

    records = [r for f in record_files for r in read_jsonl(f) if r["split"] == split]
    if not records:
        raise UserError(f"no {split!r} records in {', '.join(record_files)}")
    prompts = Prompts(cfg, processor)
    items = EncodedRecords(lambda record: encode_record(processor, prompts, record), records,
                           cfg["resources"]["encode_cache_mb"] * 2**20)
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=t["lr"], weight_decay=t["weight_decay"]
    )
    scheduler = get_cosine_schedule_with_warmup(optimizer, int(t["warmup_ratio"] * steps), steps)
    weights = level_weights(records, t.get("level_balance", 0))  # optional key: absent, configs hash as before
    return Training(model, processor, items, optimizer, scheduler, steps, t["batch_size"], trainable, weights)


def training_step(run: Training, seed: int, step: int, marks: list[float] | None = None) -> float:
    """One optimizer step on the batch of (seed, step); returns the loss. `marks`, if given, receives
    the clock after the batch is built, after the forward and after the backward (the profile's phases)."""
    import torch

    from reasoniqa.batching import collate
    from reasoniqa.device import input_device, to_model

    tick = marks.append if marks is not None else (lambda _: None)
    model = run.model
    batch = collate([run.items[i] for i in batch_indices(seed, step, run.batch_size, len(run.items), run.weights)],
                    run.processor.tokenizer.pad_token_id)
    batch = to_model(batch, model)
    tick(time.perf_counter())
    device = input_device(model).type
    # no KV cache: a training forward never decodes, and the cache would only hold memory (on a GPU,
    # gradient checkpointing turns it off anyway; on a CPU it was built and dropped each step)
    with torch.autocast(device, dtype=torch.bfloat16, enabled=device == "cuda"):
        loss = model(**batch, use_cache=False).loss
    tick(time.perf_counter())
    loss.backward()
    tick(time.perf_counter())
    run.optimizer.step()
    run.scheduler.step()
    run.optimizer.zero_grad(set_to_none=True)
    return loss.item()


def train(cfg: dict, base: str, record_files: list[str], seed: int, out: str | Path,
          ckpt_root: str | Path, stage: str = "one_stage", split: str = "train",
          stop_after: int | None = None) -> dict:
    """Train a LoRA adapter on the `split` records; write it to `out` (atomically). Returns run stats.

    `stop_after` ends the run early after that many steps (used to test kill-and-resume).
    """
    from tqdm import tqdm

    run = prepare_training(cfg, base, record_files, seed, stage, split)
    model, optimizer, scheduler, steps = run.model, run.optimizer, run.scheduler, run.steps
    ckpt_root = Path(ckpt_root)
    # A checkpoint is resumed only by the run that made it: same config, inputs, base, seed, stage.
    inputs = {str(f): sha256_file(f) for f in record_files}
    if (Path(base) / "config.json").is_file():  # a local base: its identity is part of the inputs
        inputs["base_config"] = sha256_file(Path(base) / "config.json")
    if (Path(base) / "vision_pretrain.json").is_file():  # stage 0's weights follow its images, not config.json
        inputs["base_vision_pretrain"] = sha256_file(Path(base) / "vision_pretrain.json")
    fingerprint = section_hash(*trained_sections(cfg), inputs, str(base), seed, stage)
    start, losses = 0, []
    if (latest := _latest_checkpoint(ckpt_root)) is not None:
        if _checkpoint_matches(latest, fingerprint):
            start, losses = _load_checkpoint(model, optimizer, scheduler, latest)
            log.info("resumed from %s (step %d)", latest, start)
        else:
            log.info("ignoring checkpoint %s: made by a different config, input or base", latest)
            shutil.rmtree(latest)

    started = time.time()
    bar = tqdm(range(start, steps), desc=f"train {stage} seed {seed}", initial=start, total=steps)
    for step in bar:
        losses.append(round(training_step(run, seed, step), 6))
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
        done = step + 1
        if done % cfg["train"]["checkpoint_every"] == 0 and done < steps:
            _save_checkpoint(model, optimizer, scheduler, done, losses, ckpt_root, fingerprint)
        if stop_after is not None and done >= stop_after:
            _save_checkpoint(model, optimizer, scheduler, done, losses, ckpt_root, fingerprint)
            return {"stopped_at": done}
    items = run.items
    log.info("encoded %d records %d times (%.0f MB kept, budget resources.encode_cache_mb)", len(items),
             items.encoded, items.kept_bytes / 2**20)
    stats = {
        "seed": seed,
        "stage": stage,
        "steps": steps,
        "examples": len(items),
        "trainable_parameters": run.trainable,
        "loss_first": losses[0],
        "loss_last_10_mean": float(np.mean(losses[-10:])),
        "config_hash": section_hash(*trained_sections(cfg)),
        "inputs": inputs,
        "base": str(base),
    }
    with atomic_dir(out) as tmp:
        model.save_pretrained(tmp)
        write_json(tmp / "train_meta.json", {**stats, "losses": losses})
    shutil.rmtree(ckpt_root, ignore_errors=True)  # the adapter is out: checkpoints have done their job
    log.info("trained %d steps in %.1fs; loss %.3f -> %.3f", steps - start, time.time() - started,
             stats["loss_first"], stats["loss_last_10_mean"])
    return stats
