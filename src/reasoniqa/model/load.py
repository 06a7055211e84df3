"""Load a base model + processor by folder or id, the one path for the tiny and the 7B model."""

from __future__ import annotations

from pathlib import Path

from reasoniqa import UserError
from reasoniqa.device import resolve


def load_base(source: str | Path, cfg: dict, attn: str | None = None):
    """Model and processor from a folder or id, placed by reasoniqa.device. `attn`: an attention kernel
    this caller needs (the lens: eager, for the weights); else the config's `model.attention`, if set."""
    import torch
    from transformers import AutoModelForImageTextToText

    torch.set_num_threads(cfg["torch_threads"])
    trust = bool(cfg["model"].get("trust_remote_code", False))
    dtype = getattr(torch, cfg["model"].get("dtype", "float32"))
    kwargs = {"dtype": dtype, "trust_remote_code": trust}
    asked_by = "attention" if attn else "model.attention"  # for the error: the caller's or the config's
    attn = attn or cfg["model"].get("attention")
    if attn:
        kwargs["attn_implementation"] = attn
    device_map = cfg["model"].get("device_map")
    device = resolve(cfg)  # decided (and a contradictory placement refused) once, before anything loads
    if device_map:  # larger than one card: accelerate places the layers
        kwargs["device_map"] = device_map
    try:
        from transformers import PretrainedConfig

        from reasoniqa.model.families import family_of, refuse_not_native

        model_type = PretrainedConfig.get_config_dict(source)[0].get("model_type", "")
        refuse_not_native(model_type, source)
        processor = family_of(model_type).load_processor(source, trust)
        model = AutoModelForImageTextToText.from_pretrained(source, **kwargs)
    except OSError as exc:
        raise UserError(f"cannot load model from {source}: {str(exc).splitlines()[0]}") from None
    except (ValueError, ImportError) as exc:  # an unknown model type, remote code, a missing dependency
        from reasoniqa.model.families import registry

        if attn and "attention" in str(exc).lower():  # flash_attention_2 without flash-attn or a GPU
            raise UserError(f"{asked_by}={attn!r}: {str(exc).splitlines()[0]}") from None

        raise UserError(f"cannot load model from {source}: {str(exc).splitlines()[0]} (natively supported "
                        f"families: {', '.join(registry())})") from None
    if not device_map:
        model.to(device)  # placed once, here; inputs follow it (reasoniqa.device.to_model)
    processor.tokenizer.padding_side = "left"
    return model.eval(), processor


def load_method_model(cfg: dict, base: str, adapter: str | None, attn: str | None = None):
    """Base model, with the method's LoRA adapter applied when it has one (`attn`: attention kernel,
    e.g. "eager" where attention weights are read)."""
    model, processor = load_base(base, cfg, attn=attn)
    if adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter).eval()
    return model, processor


def save_model(model, processor, out: str | Path, extra: dict | None = None, stamp: bool = True) -> None:
    """`model` and `processor` with save_pretrained into `out`, atomically: a loader never finds a
    half-written folder (a merged stage-1 model, a pretrained base). `extra`: JSON files written beside
    them (file name -> object); `stamp`: the folder is a workflow output (reasoniqa.io.atomic_dir)."""
    from reasoniqa.io import atomic_dir, write_json

    with atomic_dir(out, stamp=stamp) as tmp:
        model.save_pretrained(tmp)
        processor.save_pretrained(tmp)
        for name, obj in (extra or {}).items():
            write_json(tmp / name, obj)
