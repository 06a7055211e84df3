"""Repeated sampled answers from one shared prefix (the instability test)."""

import copy

import numpy as np
import pytest

from reasoniqa.data.synth import synthesize
from reasoniqa.device import to_model
from reasoniqa.prompts import Prompts
from reasoniqa.sampling import sample_answers, sample_continuations, sample_from_prefix
from reasoniqa.model.load import load_method_model
from reasoniqa.scoring import generate_texts, level_probabilities


@pytest.fixture(scope="module")
def images(tmp_path_factory, test_cfg):
    root = tmp_path_factory.mktemp("sampling")
    synthesize("synth_spaq", test_cfg["datasets"]["synth_spaq"], root, test_cfg["test_photos"], progress=False)
    return sorted(str(p) for p in root.rglob("*.png"))[:5]


@pytest.fixture(scope="module")
def model(tiny_model, test_cfg):
    return load_method_model(test_cfg, str(tiny_model), None)


def test_greedy_from_the_shared_prefix_equals_plain_generate(model, images, test_cfg):
    m, proc = model
    prompts = [Prompts(test_cfg, proc).describe()] * len(images)
    plain = generate_texts(m, proc, prompts, images, batch_size=2, max_new_tokens=6, progress=False)
    shared = sample_continuations(m, proc, prompts, images, k=3, temperature=0, max_new_tokens=6, seed=0,
                                  batch_size=2, progress=False)
    assert [row[0] for row in shared] == plain
    assert all(len(set(row)) == 1 for row in shared)


def test_greedy_instability_is_zero_and_sampling_is_seeded(model, images, test_cfg):
    m, proc = model
    greedy = copy.deepcopy(test_cfg)
    greedy["instability"].update(k=4)
    answers = sample_answers(greedy, "zero_shot", m, proc, images, temperature=0, progress=False)
    assert all(len(set(a["levels"])) == 1 for a in answers)
    prompts = [Prompts(test_cfg, proc).rate()] * len(images)
    runs = [sample_continuations(m, proc, prompts, images, k=4, temperature=1.0, max_new_tokens=3, seed=s,
                                 batch_size=2, progress=False) for s in (7, 7, 8)]
    assert runs[0] == runs[1] and runs[0] != runs[2]
    assert any(len(set(row)) > 1 for row in runs[0])  # a random-init model at temperature 1 varies


def _greedy_steps(model, processor, prompts, shared: bool):
    """Greedy continuation ids and per-step logits [B, steps, V]: through the shared prefix, or plain generate."""
    import torch

    tok = processor.tokenizer
    enc = to_model(processor(text=prompts, return_tensors="pt", padding=True), model)
    args = {"do_sample": False, "output_scores": True, "return_dict_in_generate": True}
    if shared:
        out = sample_from_prefix(model, enc, 1, 6, args, tok.pad_token_id, tok.eos_token_id)
    else:
        with torch.inference_mode():
            out = model.generate(**enc, max_new_tokens=6, pad_token_id=tok.pad_token_id,
                                 eos_token_id=tok.eos_token_id, **args)
    return out.sequences[:, enc["input_ids"].shape[1]:].cpu(), torch.stack(out.scores, 1).cpu()


def test_shared_prefix_under_left_padding_equals_each_prompt_alone(model, test_cfg):
    """Prompts of different lengths in one left-padded batch (as two_stage's stage-2 chains are) continue
    as plain generate continues each prompt alone: same tokens, same logits. (A random-init model's
    greedy tokens barely depend on positions, so the logits are what catches a misnumbered prefix.)"""
    m, proc = model
    descriptions = ["sharp", "slightly blurred, noise is moderate, exposure is normal and colours are muted, "
                    "contrast is low", "grain is severe, compression is mild"]
    prompts = [Prompts(test_cfg, proc).infer(d) for d in descriptions]
    assert len({len(proc.tokenizer(p)["input_ids"]) for p in prompts}) == 3  # the batch really is padded
    ids, logits = _greedy_steps(m, proc, prompts, shared=True)
    for i, p in enumerate(prompts):
        ids_alone, logits_alone = _greedy_steps(m, proc, [p], shared=False)
        assert ids[i].tolist() == ids_alone[0].tolist()
        np.testing.assert_allclose(logits[i].numpy(), logits_alone[0].numpy(), atol=1e-4)
    shared = sample_continuations(m, proc, prompts, None, k=2, temperature=0, max_new_tokens=6, seed=0,
                                  batch_size=3, progress=False)
    alone = [generate_texts(m, proc, [p], None, batch_size=1, max_new_tokens=6, progress=False)[0] for p in prompts]
    assert [row[0] for row in shared] == alone and all(row[0] == row[1] for row in shared)


def test_padded_scoring_batch_equals_one_prompt_at_a_time(model, images, test_cfg):
    m, proc = model
    words = test_cfg["levels"]["words"]
    prompts = [Prompts(test_cfg, proc).infer(d) for d in ("sharp", "noise is severe, blur is mild, contrast is low", "clean")]
    batched = level_probabilities(m, proc, prompts, None, words, batch_size=3, progress=False)
    alone = np.concatenate([level_probabilities(m, proc, [p], None, words, batch_size=1, progress=False)
                            for p in prompts])
    np.testing.assert_allclose(batched, alone, atol=1e-5)
    # with images (equal lengths) and a ragged last batch
    rated = [Prompts(test_cfg, proc).rate()] * 3
    batched = level_probabilities(m, proc, rated, images[:3], words, batch_size=2, progress=False)
    alone = np.concatenate([level_probabilities(m, proc, [p], [i], words, batch_size=1, progress=False)
                            for p, i in zip(rated, images[:3])])
    np.testing.assert_allclose(batched, alone, atol=1e-5)
    assert np.ptp(batched[:, 0]) > 0 or np.ptp(alone[:, 0]) > 0  # the images differ, so must their scores


def test_a_generated_carriage_return_keeps_the_predictions_csv_whole(tmp_path):
    """A random model can emit any byte; a lone '\\r' in a description must not split a CSV row."""
    import pandas as pd

    from reasoniqa.io import write_csv
    from reasoniqa.sampling import decode_new

    class Tok:
        def batch_decode(self, ids, skip_special_tokens):
            return [" sharp\rnoisy and grainy ", "clean"]

    texts = decode_new(Tok(), None)
    write_csv(tmp_path / "p.csv", pd.DataFrame({"name": ["a", "b"], "description": texts}))
    back = pd.read_csv(tmp_path / "p.csv", keep_default_na=False)
    assert list(back["name"]) == ["a", "b"] and back["description"][0] == "sharp\nnoisy and grainy"


def test_agreement_of_sampled_answers():
    from reasoniqa.predict import sampled_agreement
    from reasoniqa.sampling import NO_LEVEL

    words = ["bad", "poor", "fair", "good", "excellent"]
    assert sampled_agreement(["good"] * 5, words)["agreement"] == 1.0
    out = sampled_agreement(["good", "good", "fair", NO_LEVEL, "bad"], words)
    assert out == {"agreement": 0.4, "modal_level": "good", "sampled_levels": {"bad": 1, "fair": 1, "good": 2, "none": 1}}
    assert sampled_agreement(["poor", "good", "poor", "good"], words, greedy="good")["modal_level"] == "good"
    assert sampled_agreement(["poor", "good", "poor", "good"], words)["modal_level"] == "poor"
    assert sampled_agreement([NO_LEVEL] * 3, words) == {"agreement": 0.0, "modal_level": None,
                                                        "sampled_levels": {"none": 3}}
