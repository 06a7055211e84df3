"""Every inference path moves its inputs to the model's device (reasoniqa.device.to_model).

On a CPU-only machine a forgotten `.to(device)` changes nothing, so the test makes it visible: tensors
the processor returns are of a marker subclass (`Unplaced`) that every tensor derived from them keeps;
`reasoniqa.device.move` turns them into plain tensors, as a move to another device would. A forward or
generate call that receives an `Unplaced` tensor has inputs that never went through the device move.
"""

import contextlib

import numpy as np
import pytest
import torch

from reasoniqa.methods import REGISTRY


class Unplaced(torch.Tensor):
    pass


@pytest.fixture
def watched(monkeypatch, tiny_model, test_cfg, tmp_path):
    """(misses, cfg, images): every model loaded from now on records calls with unplaced inputs."""
    import transformers

    import reasoniqa.device as device
    import reasoniqa.model.load as load
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.data.synth import synthesize

    misses: list[str] = []

    def mark(batch):
        for key, value in batch.items():
            if isinstance(value, torch.Tensor):
                batch[key] = value.as_subclass(Unplaced)
        return batch

    processor_call = transformers.LlavaProcessor.__call__
    monkeypatch.setattr(transformers.LlavaProcessor, "__call__", lambda self, *a, **k: mark(processor_call(self, *a, **k)))
    real_move = device.move
    monkeypatch.setattr(device, "move", lambda v, d: real_move(v, d).as_subclass(torch.Tensor)
                        if isinstance(v, torch.Tensor) else real_move(v, d))

    def check(where, kwargs):
        bad = [k for k, v in kwargs.items() if isinstance(v, Unplaced)]
        if bad:
            misses.append(f"{where}: {', '.join(bad)}")

    def watch(model):
        model.register_forward_pre_hook(lambda m, args, kwargs: check("forward", kwargs), with_kwargs=True)
        generate = model.generate
        model.generate = lambda *a, **k: (check("generate", k), generate(*a, **k))[1]
        return model

    real_load = load.load_base
    monkeypatch.setattr(load, "load_base", lambda *a, **k: (lambda mp: (watch(mp[0]), mp[1]))(real_load(*a, **k)))
    synthesize("synth_spaq", test_cfg["datasets"]["synth_spaq"], tmp_path / "data", test_cfg["test_photos"],
               progress=False)
    frame, _ = load_manifest(tmp_path / "data", split="test")
    return misses, test_cfg, list(frame["path"])[:2]


def _two_stage_model(cfg, base):
    """The base with a fresh (untrained) stage-2 adapter: two_stage's shape, no training needed."""
    from peft import get_peft_model

    from reasoniqa.model.load import load_base
    from reasoniqa.train import lora_config

    model, processor = load_base(base, cfg)
    peft_model = get_peft_model(model, lora_config(cfg, []))
    return peft_model.eval(), processor


def test_every_inference_path_moves_its_inputs(watched, tiny_model):
    from reasoniqa.intervention import intervene
    from reasoniqa.labels import teacher_descriptions
    from reasoniqa.lens import analyze
    from reasoniqa.sampling import sample_answers
    from reasoniqa.model.load import load_method_model
    from reasoniqa.scoring import predict_paths

    misses, cfg, images = watched
    model, processor = load_method_model(cfg, str(tiny_model), None, attn="eager")
    for name in ("zero_shot", "one_stage_desc"):
        out = predict_paths(cfg, name, model, processor, images, progress=False)  # score; describe + score
        assert np.isfinite(out["score"]).all()
        sample_answers(cfg, name, model, processor, images, 1.0, progress=False)
        said = "Edges are sharp." if REGISTRY[name].describes else ""
        analyze(cfg, name, model, processor, images, [said] * len(images), progress=False)
    intervene(cfg, "one_stage_desc", model, processor, images, ["Edges are sharp, no grain is visible."] * 2,
              progress=False)
    two, processor = _two_stage_model(cfg, str(tiny_model))
    REGISTRY["two_stage"].score(cfg, two, processor, images, progress=False)  # describe, then text only
    sample_answers(cfg, "two_stage", two, processor, images, 1.0, progress=False)  # both sampling steps
    teacher_descriptions({**cfg, "labels": {**cfg["labels"], "teacher": str(tiny_model)}}, images)
    from reasoniqa.predict import predict

    predict(cfg, "zero_shot", 0, images, as_json=True, base=str(tiny_model))  # `reasoniqa predict --base`
    assert misses == []


def test_a_forgotten_move_is_caught(watched, tiny_model, monkeypatch):
    """The check itself: a scorer that skips the move is reported."""
    from reasoniqa import scoring
    from reasoniqa.device import input_device
    from reasoniqa.model.load import load_method_model
    from reasoniqa.scoring import predict_paths

    misses, cfg, images = watched
    monkeypatch.setattr(scoring, "to_model", lambda batch, model: dict(batch))
    model, processor = load_method_model(cfg, str(tiny_model), None)
    on_gpu = input_device(model).type == "cuda"  # there the forward itself then refuses the CPU inputs
    with pytest.raises(RuntimeError, match="same device") if on_gpu else contextlib.nullcontext():
        predict_paths(cfg, "zero_shot", model, processor, images, progress=False)
    assert misses and misses[0].startswith("forward")


def test_model_is_placed_where_the_config_says(tiny_model, test_cfg):
    from reasoniqa import UserError
    from reasoniqa.device import input_device, resolve
    from reasoniqa.model.load import load_base

    model, _ = load_base(str(tiny_model), {**test_cfg, "model": {**test_cfg["model"], "device": "cpu"}})
    assert input_device(model).type == "cpu"
    if not torch.cuda.is_available():
        with pytest.raises(UserError, match="no CUDA device"):
            resolve({"model": {"device": "cuda"}})
        assert resolve({"model": {"device": "auto"}}) == "cpu"


@pytest.mark.skipif(torch.cuda.is_available(), reason="torch sees a GPU here")
def test_a_granted_gpu_torch_cannot_see_is_reported_not_silently_dropped(monkeypatch, caplog):
    from reasoniqa.device import resolve

    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    with caplog.at_level("WARNING", logger="reasoniqa"):
        assert resolve({"model": {"device": "auto"}}) == "cpu"
    assert not caplog.records
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    with caplog.at_level("WARNING", logger="reasoniqa"):
        assert resolve({"model": {"device": "auto"}}) == "cpu"
    assert "CUDA_VISIBLE_DEVICES=0" in caplog.text and "running on the CPU" in caplog.text
