"""Methods are objects: every path asks the method, so a new one is one class plus its config entry."""

import subprocess
from pathlib import Path

import numpy as np
import pytest

from reasoniqa import UserError
from reasoniqa.config import validate_config
from reasoniqa.layout import Layout
from reasoniqa.methods import REGISTRY, get_method

TESTS = Path(__file__).parent


@pytest.fixture
def toy(monkeypatch):
    """zero_shot_desc (tests/toy_method.py) registered for this test only."""
    import toy_method

    monkeypatch.setitem(REGISTRY, "zero_shot_desc", toy_method.ZeroShotDesc())
    return REGISTRY["zero_shot_desc"]


def test_paths_of_each_method_come_from_the_layout():
    L = Layout("out")
    assert get_method("zero_shot").model_paths(L, 0, "base") == ("base", None)
    assert get_method("one_stage").model_paths(L, 1, "base") == ("base", "out/adapters/one_stage/seed1")
    assert get_method("two_stage").model_paths(L, 2, "base") == ("out/models/two_stage/seed2/stage1_merged",
                                                                  "out/adapters/two_stage/seed2/stage2")
    # the same call gives a Snakemake pattern when the wildcards are left at their defaults
    assert Layout().predictions() == "results/predictions/{method}/seed{seed}/{dataset}.csv"


def test_unknown_method_in_the_config_is_named(test_cfg):
    with pytest.raises(UserError, match="unknown method 'zero_shot_desc'"):
        validate_config({**test_cfg, "methods": ["zero_shot", "zero_shot_desc"]})


def test_a_fifth_method_runs_through_every_inference_path(toy, tiny_model, test_cfg, tmp_path):
    from reasoniqa.data.synth import synthesize
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.intervention import intervene
    from reasoniqa.lens import analyze
    from reasoniqa.predict import method_artifacts
    from reasoniqa.sampling import sample_answers
    from reasoniqa.model.load import load_method_model
    from reasoniqa.scoring import predict_paths

    cfg = validate_config({**test_cfg, "methods": ["zero_shot", "zero_shot_desc"]})
    assert not toy.trained and toy.describes
    synthesize("synth_live", cfg["datasets"]["synth_live"], tmp_path / "data", cfg["test_photos"], progress=False)
    frame, _ = load_manifest(tmp_path / "data", split="test")
    paths = list(frame["path"])[:3]
    (tmp_path / "results/models").mkdir(parents=True)
    (tmp_path / "results/models/base").symlink_to(tiny_model)
    base, adapter = method_artifacts(cfg, "zero_shot_desc", 0, str(tmp_path / "results"))
    assert adapter is None  # untrained: the base model itself
    model, proc = load_method_model(cfg, base, adapter, attn="eager")
    out = predict_paths(cfg, "zero_shot_desc", model, proc, paths, progress=False)
    assert out["probs"].shape == (3, len(cfg["levels"]["words"]))
    # its descriptions are the describing context it reads the level from: scored again, same probabilities
    from reasoniqa.scoring import level_probabilities

    again = level_probabilities(model, proc, toy.rating_contexts(cfg, proc, out["description"])[0], paths,
                                cfg["levels"]["words"], 8, progress=False)
    np.testing.assert_allclose(again, out["probs"], atol=1e-5)
    samples = sample_answers(cfg, "zero_shot_desc", model, proc, paths, 1.0, progress=False)
    assert [len(s["descriptions"]) for s in samples] == [cfg["instability"]["k"]] * 3
    lens = analyze(cfg, "zero_shot_desc", model, proc, paths, ["Edges are sharp."] * 3)
    assert all(sum(r["attention"]["description"]) > 0 for r in lens)  # the description is in its context
    assert isinstance(intervene(cfg, "zero_shot_desc", model, proc, paths, ["Edges are sharp."] * 3,
                                progress=False), list)


@pytest.mark.integration  # plans the workflow with Snakemake
def test_the_workflow_plans_a_fifth_method_from_its_class(root, venv_bin, tmp_path):
    """A Snakefile that registers the toy method, then includes the project's: the rules ask the class,
    so the untrained describing method gets scoring, sampling, lens and intervention jobs and no training."""
    wrapper = tmp_path / "Snakefile"
    wrapper.write_text(f"import sys\nsys.path.insert(0, {str(TESTS)!r})\nimport toy_method\n\n"
                       f"include: {str(root / 'Snakefile')!r}\n")
    proc = subprocess.run([venv_bin / "snakemake", "all", "-n", "-s", wrapper, "--cores", "1", "--configfile",
                           "config/test.yaml", "--config", "methods=[zero_shot,zero_shot_desc]"],
                          cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout + proc.stderr
    jobs = {(block.split(":", 1)[0], "method=zero_shot_desc" in block) for block in out.split("\nrule ")[1:]}
    for rule in ("score_split", "sample_split", "analyze_split", "intervene_split"):
        assert (rule, True) in jobs, rule
    assert not {"train", "train_stage1"} & {rule for rule, _ in jobs}


def test_rating_given_descriptions_reproduces_the_methods_own_scores(tiny_model, test_cfg, tmp_path):
    """The ceiling's rater (Method.rate_descriptions) reads descriptions in exactly the context the method
    itself rates in: fed the method's own descriptions, it gives its scores bit for bit."""
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.data.synth import synthesize
    from reasoniqa.model.load import load_method_model

    synthesize("synth_live", test_cfg["datasets"]["synth_live"], tmp_path / "data", test_cfg["test_photos"],
               progress=False)
    paths = list(load_manifest(tmp_path / "data", split="test")[0]["path"])[:4]
    model, proc = load_method_model(test_cfg, str(tiny_model), None)
    method = get_method("one_stage_desc")
    descriptions, probs = method.score(test_cfg, model, proc, paths, progress=False)
    again = method.rate_descriptions(test_cfg, model, proc, paths, descriptions, progress=False)
    np.testing.assert_array_equal(again, probs)
    other = method.rate_descriptions(test_cfg, model, proc, paths, ["Edges are sharp."] * 4, progress=False)
    assert not np.array_equal(other, probs)
    with pytest.raises(UserError, match="writes no description"):
        get_method("one_stage").rate_descriptions(test_cfg, model, proc, paths, descriptions)
