"""Training and inference of every method on tiny models, kill-and-resume, deep (32-layer) configs."""

import copy
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
import yaml

from reasoniqa.data.synth import synthesize
from reasoniqa.labels import calibrate_files, measure_dataset, write_records
from reasoniqa.model.tiny import build_tiny
from reasoniqa.sampling import sample_answers
from reasoniqa.model.load import load_method_model
from reasoniqa.scoring import predict_paths
from reasoniqa.train import merge_adapter, stage_plan, train


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, test_cfg):
    """A tiny dataset with features, calibration and records of every kind."""
    root = tmp_path_factory.mktemp("ws")
    spec = test_cfg["datasets"]["synth_koniq"]
    synthesize("synth_koniq", spec, root / "data", test_cfg["test_photos"], progress=False)
    measure_dataset(str(root / "data"), str(root / "features.csv"))
    calibrate_files([str(root / "features.csv")], str(root / "calibration.json"))
    write_records(test_cfg, "synth_koniq", str(root / "data"), str(root / "features.csv"),
                  str(root / "calibration.json"), str(root / "labels"))
    return root


def _test_paths(ws, n=3):
    frame = pd.read_csv(ws / "data/manifest.csv")
    return [str(ws / "data" / p) for p in frame.loc[frame.split == "test", "path"][:n]]


def test_two_stage_budget_equals_one_stage(test_cfg):
    one = stage_plan(test_cfg, "one_stage")["steps"]
    assert stage_plan(test_cfg, "stage1")["steps"] + stage_plan(test_cfg, "stage2")["steps"] == one
    assert stage_plan(test_cfg, "stage2")["modules_to_save"] == []  # text-only stage


def _records(levels, turn="describe"):
    return [{"turn": turn, "features": {"blur": lv, "noise": "none"}} for lv in levels]


def test_level_balance_draws_rare_levels_as_often_as_common_ones_and_keeps_batches_a_function_of_the_step():
    from reasoniqa.train import batch_indices, level_weights

    records = _records(["none"] * 90 + ["severe"] * 10)
    assert level_weights(records, 0.0) is None  # uniform: the seeded permutation, as before the option
    before = [int(np.random.default_rng([5, pos // 37]).permutation(37)[pos % 37]) for pos in range(40 * 8)]
    assert [i for step in range(40) for i in batch_indices(5, step, 8, 37)] == before
    assert level_weights(_records(["none", "severe"], turn="infer"), 1.0) is None  # stage 2 teaches no description
    uniform = [i for step in range(100) for i in batch_indices(0, step, 10, len(records))]
    assert sum(i >= 90 for i in uniform) == 100  # each epoch visits every record once: 10 % severe
    weights = level_weights(records, 1.0)
    drawn = [i for step in range(200) for i in batch_indices(0, step, 10, len(records), weights)]
    assert 0.4 < np.mean([i >= 90 for i in drawn]) < 0.6  # inverse frequency: severe about half the draws
    half = level_weights(records, 0.5)
    assert 0.15 < np.mean([i >= 90 for step in range(200) for i in batch_indices(0, step, 10, 100, half)]) < 0.4
    # resumable: a batch depends on (seed, step) only, not on the batches drawn before it
    fresh = batch_indices(3, 57, 10, 100, weights)
    in_order = [batch_indices(3, step, 10, 100, weights) for step in range(60)]
    assert in_order[57] == fresh and fresh != batch_indices(4, 57, 10, 100, weights)


def test_level_balance_reaches_the_draws_of_a_describing_stage_only(workspace, tiny_model, test_cfg):
    from reasoniqa.train import prepare_training

    cfg = copy.deepcopy(test_cfg)
    cfg["train"]["level_balance"] = 1.0
    stage1 = prepare_training(cfg, str(tiny_model), [str(workspace / "labels/stage1.jsonl")], 0, stage="stage1")
    assert stage1.weights is not None and len(stage1.weights) == len(stage1.items)
    rate = prepare_training(cfg, str(tiny_model), [str(workspace / "labels/one_stage.jsonl")], 0)
    assert rate.weights is None  # rating records teach no description


def test_a_training_step_builds_no_kv_cache(workspace, tiny_model, test_cfg):
    """The forward of a training step computes a loss and nothing it would drop: no KV cache."""
    from reasoniqa.train import prepare_training, training_step

    run = prepare_training(test_cfg, str(tiny_model), [str(workspace / "labels/one_stage.jsonl")], 0)
    caches = []
    # a model output keeps only the fields that are set: a cache under its current or former name
    run.model.get_base_model().register_forward_hook(
        lambda module, args, out: caches.append(out.get("cache", out.get("past_key_values"))))
    loss = training_step(run, 0, 0)
    assert np.isfinite(loss) and caches == [None]


def test_every_method_trains_and_predicts(workspace, tiny_model, test_cfg):
    ws, cfg = workspace, test_cfg
    paths = _test_paths(ws)
    for method in ("one_stage", "one_stage_desc"):
        stats = train(cfg, str(tiny_model), [str(ws / f"labels/{method}.jsonl")], 0, ws / f"ad_{method}",
                      ws / f"ck_{method}")
        assert stats["loss_last_10_mean"] < stats["loss_first"]
        model, proc = load_method_model(cfg, str(tiny_model), str(ws / f"ad_{method}"))
        out = predict_paths(cfg, method, model, proc, paths, progress=False)
        np.testing.assert_allclose(out["score"], out["probs"] @ np.array(cfg["levels"]["weights"], float))
        with model.disable_adapter():  # the adapter, not the base, made these predictions
            base = predict_paths(cfg, method, model, proc, paths, progress=False)
        assert not np.allclose(base["probs"], out["probs"], atol=1e-3)
    train(cfg, str(tiny_model), [str(ws / "labels/stage1.jsonl")], 0, ws / "s1", ws / "ck_s1", stage="stage1")
    merge_adapter(cfg, str(tiny_model), str(ws / "s1"), ws / "merged")
    train(cfg, str(ws / "merged"), [str(ws / "labels/stage2.jsonl")], 0, ws / "s2", ws / "ck_s2", stage="stage2")
    model, proc = load_method_model(cfg, str(ws / "merged"), str(ws / "s2"))
    out = predict_paths(cfg, "two_stage", model, proc, paths, progress=False)
    assert len(out["description"]) == 3 and all(out["description"])  # the merged stage 1 writes, stage 2 rates
    chains = sample_answers(cfg, "two_stage", model, proc, paths, temperature=1.0, progress=False)  # description -> level
    k = cfg["instability"]["k"]
    assert [len(c["levels"]) for c in chains] == [k] * 3 and [len(c["descriptions"]) for c in chains] == [k] * 3


def test_two_stage_rates_from_the_description_alone(workspace, tiny_model, test_cfg, monkeypatch):
    """Different images with the same description get the same rating: stage 2 never sees pixels."""
    from reasoniqa import scoring

    ws, cfg = workspace, test_cfg
    if not (ws / "s2").exists():
        pytest.skip("needs test_every_method_trains_and_predicts")
    model, proc = load_method_model(cfg, str(ws / "merged"), str(ws / "s2"))
    fixed = "Edges are sharp, no grain is visible, and no blocking is seen."
    monkeypatch.setattr(scoring, "generate_texts", lambda m, p, prompts, *a, **k: [fixed] * len(prompts))
    out = predict_paths(cfg, "two_stage", model, proc, _test_paths(ws), progress=False)
    assert np.allclose(out["probs"], out["probs"][0])


def _train_cmd(cfg_path, base, records, out, ckpt):
    return [sys.executable, "-m", "reasoniqa", "train", "--config", str(cfg_path), "--base", str(base),
            "--records", str(records), "--seed", "0", "--out", str(out), "--checkpoints", str(ckpt)]


def test_sigkill_then_resume_reaches_the_identical_adapter(workspace, tiny_model, test_cfg, tmp_path):
    cfg = copy.deepcopy(test_cfg)
    cfg["train"].update(steps=40, checkpoint_every=5)
    cfg_path = tmp_path / "cfg.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg))
    records = workspace / "labels/one_stage.jsonl"
    env = dict(os.environ, TQDM_DISABLE="1")
    subprocess.run(_train_cmd(cfg_path, tiny_model, records, tmp_path / "a", tmp_path / "ck_a"), check=True,
                   env=env, capture_output=True)
    proc = subprocess.Popen(_train_cmd(cfg_path, tiny_model, records, tmp_path / "b", tmp_path / "ck_b"),
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not (tmp_path / "ck_b/step_000010").exists() and time.time() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (tmp_path / "b").exists(), "killed run must not leave a final adapter"
    assert list((tmp_path / "ck_b").glob("step_*")), "a checkpoint survives the kill"
    resumed = subprocess.run(_train_cmd(cfg_path, tiny_model, records, tmp_path / "b", tmp_path / "ck_b"),
                             check=True, env=env, capture_output=True, text=True)
    assert "resumed from" in resumed.stderr
    a = (tmp_path / "a/adapter_model.safetensors").read_bytes()
    assert a == (tmp_path / "b/adapter_model.safetensors").read_bytes()


def test_32_layer_model_trains_and_infers(workspace, test_cfg, tmp_path):
    cfg = copy.deepcopy(test_cfg)
    cfg["model"]["embedded"].update(text_layers=32, vision_layers=2, text_hidden=32, text_heads=2,
                                    intermediate=64, vision_hidden=32, vision_heads=2)
    cfg["train"].update(steps=3)
    build_tiny(cfg, tmp_path / "deep")
    from reasoniqa.model.load import load_base

    model, _ = load_base(tmp_path / "deep", cfg)
    assert model.config.text_config.num_hidden_layers == 32
    train(cfg, str(tmp_path / "deep"), [str(workspace / "labels/stage1.jsonl")], 0, tmp_path / "ad",
          tmp_path / "ck", stage="stage1")
    model, proc = load_method_model(cfg, str(tmp_path / "deep"), str(tmp_path / "ad"))
    out = predict_paths(cfg, "one_stage_desc", model, proc, _test_paths(workspace, 2), progress=False)
    with model.disable_adapter():
        base = predict_paths(cfg, "one_stage_desc", model, proc, _test_paths(workspace, 2), progress=False)
    assert out["description"] != base["description"] or not np.allclose(out["probs"], base["probs"], atol=1e-4)


def test_teacher_backend_writes_records_in_the_same_format(workspace, tiny_model, test_cfg, tmp_path):
    import json

    cfg = copy.deepcopy(test_cfg)
    cfg["labels"]["teacher"] = str(tiny_model)
    cfg["predict"]["max_new_tokens"] = 6
    ws = workspace
    write_records(cfg, "synth_koniq", str(ws / "data"), str(ws / "features.csv"), str(ws / "calibration.json"),
                  str(tmp_path / "labels"))
    template = json.loads((ws / "labels/stage1.jsonl").read_text().splitlines()[0])
    teacher = json.loads((tmp_path / "labels/stage1.jsonl").read_text().splitlines()[0])
    assert set(teacher) == set(template) and teacher["name"] == template["name"]
    assert teacher["turn"] == "describe" and teacher["description"]
    assert teacher["description"] != template["description"]  # written by the (random) teacher


def test_predict_names_a_missing_artifact(test_cfg, tmp_path):
    from reasoniqa import UserError
    from reasoniqa.predict import method_artifacts

    with pytest.raises(UserError, match="stage1_merged.*missing"):
        method_artifacts(test_cfg, "two_stage", 0, str(tmp_path))
    (tmp_path / "models/base").mkdir(parents=True)
    assert method_artifacts(test_cfg, "zero_shot", 0, str(tmp_path)) == (str(tmp_path / "models/base"), None)


def test_a_bounded_encoding_budget_trains_the_same_adapter(workspace, tiny_model, test_cfg, caplog):
    """Training examples re-encoded when the memory budget drops them (resources.encode_cache_mb = 0: none
    kept) give the adapter that encoding each once gives: memory bounded, training unchanged."""
    ws = workspace
    records = [str(ws / "labels/one_stage.jsonl")]
    train(test_cfg, str(tiny_model), records, 0, ws / "ad_full", ws / "ck_full")
    none_kept = {**test_cfg, "resources": {**test_cfg["resources"], "encode_cache_mb": 0}}
    with caplog.at_level("INFO", logger="reasoniqa.train"):
        train(none_kept, str(tiny_model), records, 0, ws / "ad_none", ws / "ck_none")
    steps, batch = test_cfg["train"]["steps"], test_cfg["train"]["batch_size"]
    n_train = int((pd.read_json(records[0], lines=True)["split"] == "train").sum())
    assert f"encoded {n_train} records {steps * batch} times (0 MB kept" in caplog.text  # every draw
    assert (ws / "ad_full/adapter_model.safetensors").read_bytes() == \
        (ws / "ad_none/adapter_model.safetensors").read_bytes()


def test_encoded_records_stay_within_their_budget():
    from reasoniqa.batching import EncodedRecords, item_bytes

    calls = []

    def encode(record):
        calls.append(record["i"])
        return {"input_ids": [record["i"]] * 10, "labels": [0] * 10}  # 160 bytes

    items = EncodedRecords(encode, [{"i": i} for i in range(5)], budget_bytes=2 * 160)
    for i in (0, 1, 0, 2, 0, 1):
        assert items[i]["input_ids"][0] == i
        assert items.kept_bytes == sum(item_bytes(v) for v in items.kept.values()) <= 2 * 160
    assert calls == [0, 1, 2, 1]  # 0 stayed (recently used), 1 was dropped for 2 and re-encoded
