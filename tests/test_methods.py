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


def test_one_scoring_job_over_several_test_sets_writes_what_one_job_per_set_writes(tiny_model, test_cfg, tmp_path):
    """score_split and rate_measured_split load the model once for every test set of a method (the rules'
    one job per method and seed): each set's file is byte-identical to scoring that set alone, and
    --data/--out (and --features) lists that do not pair up are refused before anything is written."""
    from reasoniqa.data.synth import synthesize
    from reasoniqa.labels import calibrate_files, measure_dataset
    from reasoniqa.splits import rate_measured_split, score_split

    data, features = [], []
    for name in ("synth_live", "synth_csiq"):
        synthesize(name, test_cfg["datasets"][name], tmp_path / name, test_cfg["test_photos"], progress=False)
        measure_dataset(str(tmp_path / name), str(tmp_path / f"{name}.csv"))
        data.append(str(tmp_path / name))
        features.append(str(tmp_path / f"{name}.csv"))
    calibrate_files(features, str(tmp_path / "cal.json"))
    cal = str(tmp_path / "cal.json")
    together = [str(tmp_path / f"together_{i}.csv") for i in range(2)]
    score_split(test_cfg, "one_stage_desc", str(tiny_model), None, data, "test", together)
    for i in range(2):
        alone = str(tmp_path / f"alone_{i}.csv")
        score_split(test_cfg, "one_stage_desc", str(tiny_model), None, [data[i]], "test", [alone])
        assert Path(alone).read_bytes() == Path(together[i]).read_bytes()
    rated = [str(tmp_path / f"rated_{i}.csv") for i in range(2)]
    rate_measured_split(test_cfg, "one_stage_desc", str(tiny_model), None, data, features, cal, "test", rated)
    rate_measured_split(test_cfg, "one_stage_desc", str(tiny_model), None, data[1:], features[1:], cal, "test",
                        [str(tmp_path / "rated_alone.csv")])
    assert (tmp_path / "rated_alone.csv").read_bytes() == Path(rated[1]).read_bytes()
    with pytest.raises(UserError, match="one of each per dataset.*2 --data, 1 --out"):
        score_split(test_cfg, "zero_shot", str(tiny_model), None, data, "test", [str(tmp_path / "x.csv")])
    with pytest.raises(UserError, match="2 --data, 1 --features, 2 --out"):
        rate_measured_split(test_cfg, "one_stage_desc", str(tiny_model), None, data, features[:1], cal, "test",
                            [str(tmp_path / "y.csv"), str(tmp_path / "z.csv")])
    assert not (tmp_path / "x.csv").exists() and not (tmp_path / "y.csv").exists()
