"""The one device decision: where a model is placed when it is loaded, and where its inputs go.

`model.device` in the config: auto (CUDA when present), cpu or cuda. `model.device_map` (e.g. "auto")
spreads a model too large for one card over the visible GPUs through accelerate instead; its inputs
then go to the device of its input embeddings. Every inference path moves its batch with `to_model`.
"""

from __future__ import annotations

import logging
import os

from reasoniqa import UserError

log = logging.getLogger("reasoniqa")


def granted_gpus() -> str | None:
    """The GPUs a scheduler granted this process (Slurm, or a user, sets CUDA_VISIBLE_DEVICES), if any."""
    value = os.environ.get("CUDA_VISIBLE_DEVICES", "").strip()
    return value if value and value not in {"-1", "NoDevFiles"} else None


def resolve(cfg: dict) -> str:
    import torch

    want = cfg["model"].get("device", "auto")
    if cfg["model"].get("device_map") and want != "auto":
        raise UserError(f"model.device {want!r} and model.device_map both place the model: set one of them")
    if want == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if granted := granted_gpus():  # e.g. a CPU-only torch on a GPU node: say so, not fall back silently
            log.warning("GPU(s) granted (CUDA_VISIBLE_DEVICES=%s) but torch %s sees no CUDA device "
                        "(built with CUDA %s): running on the CPU", granted, torch.__version__, torch.version.cuda)
        return "cpu"
    if want == "cuda" and not torch.cuda.is_available():
        raise UserError("model.device is 'cuda' but torch sees no CUDA device (set model.device: auto or cpu)")
    return want


def input_device(model):
    """Where a model's inputs belong: its input embeddings' device (one card, or the first of a map)."""
    return model.get_input_embeddings().weight.device


def move(value, device):
    return value.to(device) if hasattr(value, "to") else value


def to_model(batch, model) -> dict:
    """The batch's tensors on the model's input device (anything else as it is)."""
    device = input_device(model)
    return {k: move(v, device) for k, v in dict(batch).items()}
