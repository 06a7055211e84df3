"""Logit lens and attention at the quality token."""

import copy

import numpy as np
import pytest
import torch

from reasoniqa.data.synth import synthesize
from reasoniqa.device import to_model
from reasoniqa.images import load_image
from reasoniqa.lens import analyze, lens_logits, summarize
from reasoniqa.methods import get_method
from reasoniqa.levels import level_token_ids
from reasoniqa.model.tiny import build_tiny
from reasoniqa.model.load import load_method_model

DESCRIPTION = "Edges are sharp, no grain is visible, and no blocking is seen."


@pytest.fixture(scope="module")
def images(tmp_path_factory, test_cfg):
    root = tmp_path_factory.mktemp("lens")
    synthesize("synth_spaq", test_cfg["datasets"]["synth_spaq"], root, test_cfg["test_photos"], progress=False)
    return sorted(str(p) for p in root.rglob("*.png"))[:3]


def test_last_layer_of_the_lens_is_the_models_own_logits(tiny_model, test_cfg, images):
    from peft import get_peft_model

    from reasoniqa.train import lora_config

    model, proc = load_method_model(test_cfg, str(tiny_model), None, attn="eager")
    wrapped = get_peft_model(copy.deepcopy(model), lora_config(test_cfg, []))  # through a PEFT wrapper too
    for m in (model, wrapped):
        texts, _ = get_method("one_stage_desc").rating_contexts(test_cfg, proc, [DESCRIPTION] * len(images))
        enc = proc(text=texts, images=[load_image(p) for p in images], return_tensors="pt", padding=True)
        with torch.inference_mode():
            out = m(**to_model(enc, m), output_hidden_states=True, output_attentions=True, logits_to_keep=1)
            lens = lens_logits(m, out.hidden_states)
        n_layers = m.config.text_config.num_hidden_layers
        assert lens.shape[0] == n_layers + 1 and len(out.attentions) == n_layers
        torch.testing.assert_close(lens[-1], out.logits[:, -1], rtol=1e-5, atol=1e-5)
        assert not torch.allclose(lens[-2], out.logits[:, -1])  # the other layers are decoded, not copied


def test_attention_segments_partition_the_context(tiny_model, test_cfg, images):
    model, proc = load_method_model(test_cfg, str(tiny_model), None, attn="eager")
    for method, has_image, has_text in (("one_stage_desc", True, True), ("two_stage", False, True),
                                        ("one_stage", True, False)):
        desc = [DESCRIPTION if has_text else ""] * len(images)
        records = analyze(test_cfg, method, model, proc, images, desc, progress=False)
        for r in records:
            total = np.sum([r["attention"][s] for s in ("image", "prompt", "description")], axis=0)
            np.testing.assert_allclose(total, 1.0, atol=1e-4)  # every attended token is in one segment
            assert (np.array(r["attention"]["image"]) > 0).all() == has_image
            assert (np.array(r["attention"]["description"]) > 0).all() == has_text
            assert len(r["top_tokens"][0]) == test_cfg["analysis"]["top_k"]
        if method == "one_stage":  # the last layer's level mass is the scorer's own: softmax mass on the level ids
            probs = _full_softmax(model, proc, test_cfg, images)
            ids = level_token_ids(proc.tokenizer, test_cfg["levels"]["words"])
            np.testing.assert_allclose([r["level_mass"][-1] for r in records], probs[:, ids].sum(-1), atol=1e-5)


def _full_softmax(model, proc, cfg, images):
    from reasoniqa.prompts import Prompts

    enc = proc(text=[Prompts(cfg, proc).rate()] * len(images), images=[load_image(p) for p in images], return_tensors="pt",
               padding=True)
    with torch.inference_mode():
        return torch.softmax(model(**to_model(enc, model)).logits[:, -1].float(), -1).cpu().numpy()


def test_summary_of_layers_by_hand():
    words = {10: "bad", 11: "good"}
    record = {"top1": [5, 10, 7, 11, 11], "top_level": ["bad", "bad", "good", "good", "good"]}
    got = summarize(record, words)
    assert got == {"settle_layer": 3, "distinct_top1": 4, "level_flip": True, "output_level": "good"}
    assert summarize({"top1": [11, 11], "top_level": ["good", "good"]}, words)["settle_layer"] == 0


def test_32_layer_model_runs_the_lens_and_attention(test_cfg, tmp_path, images):
    cfg = copy.deepcopy(test_cfg)
    cfg["model"]["embedded"].update(text_layers=32, text_hidden=32, text_heads=2, intermediate=64,
                                    vision_hidden=32, vision_heads=2)
    build_tiny(cfg, tmp_path / "deep")
    model, proc = load_method_model(cfg, str(tmp_path / "deep"), None, attn="eager")
    records = analyze(cfg, "one_stage_desc", model, proc, images[:2], [DESCRIPTION] * 2, progress=False)
    assert len(records[0]["top1"]) == 33 and len(records[0]["attention"]["image"]) == 32
    assert 0 <= records[0]["settle_layer"] <= 32


def test_attention_figure_is_byte_stable(tmp_path):
    """Its 95% intervals come from a bootstrap: seeded, two renderings of the same analyses are one file."""
    import json

    from reasoniqa.figures.dynamics import attention_figure

    rng = np.random.default_rng(0)
    files = []
    for method in ("zero_shot", "two_stage"):
        path = tmp_path / f"analysis/{method}/seed0/d.json"
        path.parent.mkdir(parents=True)
        samples = [{"name": f"{i}.png", "attention": {s: rng.random(3).tolist() for s in ("image", "prompt", "description")}}
                   for i in range(6)]
        path.write_text(json.dumps({"method": method, "samples": samples}))
        files.append(str(path))
    attention_figure(files, str(tmp_path / "a.png"))
    attention_figure(files, str(tmp_path / "b.png"))
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
