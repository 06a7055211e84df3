"""Repeated sampled answers from one shared prefix (the instability test)."""

import copy

import pytest

from reasoniqa.data.synth import synthesize
from reasoniqa.prompts import describe_prompt, rate_prompt
from reasoniqa.sampling import sample_answers, sample_continuations
from reasoniqa.scoring import generate_texts, load_method_model


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
    prompts = [describe_prompt(test_cfg)] * len(images)
    plain = generate_texts(m, proc, prompts, images, batch_size=2, max_new_tokens=6, progress=False)
    shared = sample_continuations(m, proc, prompts, images, k=3, temperature=0, max_new_tokens=6, seed=0,
                                  batch_size=2, progress=False)
    assert [row[0] for row in shared] == plain
    assert all(len(set(row)) == 1 for row in shared)


def test_greedy_instability_is_zero_and_sampling_is_seeded(model, images, test_cfg):
    m, proc = model
    greedy = copy.deepcopy(test_cfg)
    greedy["instability"].update(temperature=0, k=4)
    answers = sample_answers(greedy, "zero_shot", m, proc, images, progress=False)
    assert all(len(set(a["levels"])) == 1 for a in answers)
    prompts = [rate_prompt(test_cfg)] * len(images)
    runs = [sample_continuations(m, proc, prompts, images, k=4, temperature=1.0, max_new_tokens=3, seed=s,
                                 batch_size=2, progress=False) for s in (7, 7, 8)]
    assert runs[0] == runs[1] and runs[0] != runs[2]
    assert any(len(set(row)) > 1 for row in runs[0])  # a random-init model at temperature 1 varies
