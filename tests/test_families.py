"""Every model family through the same code: a tiny random-init model of each (built here with the
family's tokenizer, processor and chat template, loaded back through the Auto classes) trains every
stage, scores, describes, samples padded batches, and runs the lens and attention."""

import copy

import numpy as np
import pytest
import torch

from reasoniqa.device import to_model
from reasoniqa.model.families import registry

FAMILIES = sorted(registry())


@pytest.fixture(scope="module")
def data(tmp_path_factory, test_cfg):
    """A small stand-in with its records (labels), shared by the families."""
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.data.synth import synthesize
    from reasoniqa.labels import calibrate_files, measure_dataset, write_records

    d = tmp_path_factory.mktemp("family_data")
    synthesize("synth_spaq", test_cfg["datasets"]["synth_spaq"], d / "data", test_cfg["test_photos"], progress=False)
    measure_dataset(str(d / "data"), str(d / "f.csv"))
    calibrate_files([str(d / "f.csv")], str(d / "cal.json"))
    write_records(test_cfg, "synth_spaq", str(d / "data"), str(d / "f.csv"), str(d / "cal.json"), str(d / "labels"))
    return d, list(load_manifest(d / "data", split="test")[0]["path"])[:3]


@pytest.fixture(scope="module", params=FAMILIES)
def family_model(request, tmp_path_factory, test_cfg):
    from reasoniqa.model.tiny import build_embedded

    out = tmp_path_factory.mktemp(request.param) / "base"
    build_embedded(test_cfg, out, family=request.param)
    return request.param, out


def test_built_model_loads_through_the_auto_classes(family_model, test_cfg):
    from reasoniqa.model.families import family_of
    from reasoniqa.model.load import load_base

    name, base = family_model
    model, processor = load_base(base, test_cfg)
    assert family_of(model.config.model_type).name == name
    assert processor.chat_template and processor.image_token in processor.tokenizer.get_vocab()
    assert processor.tokenizer.convert_tokens_to_ids(processor.image_token) == model.config.image_token_id


def test_every_stage_trains_and_every_method_infers(family_model, data, test_cfg, tmp_path):
    from reasoniqa.lens import analyze
    from reasoniqa.methods import get_method
    from reasoniqa.model.families import get_family
    from reasoniqa.sampling import sample_answers
    from reasoniqa.model.load import load_method_model
    from reasoniqa.scoring import predict_paths
    from reasoniqa.train import merge_adapter, train

    name, base = family_model
    d, paths = data
    cfg = copy.deepcopy(test_cfg)
    cfg["train"].update(steps=6, checkpoint_every=100, modules_to_save=[get_family(name).projector])
    labels = d / "labels"
    train(cfg, str(base), [str(labels / "one_stage.jsonl")], 0, tmp_path / "one", tmp_path / "ck1")
    train(cfg, str(base), [str(labels / "stage1.jsonl")], 0, tmp_path / "s1", tmp_path / "ck2", stage="stage1")
    merge_adapter(cfg, str(base), str(tmp_path / "s1"), tmp_path / "merged")
    train(cfg, str(tmp_path / "merged"), [str(labels / "stage2.jsonl")], 0, tmp_path / "s2", tmp_path / "ck3",
          stage="stage2")
    words = cfg["levels"]["words"]
    for method, model_base, adapter in (("one_stage", base, tmp_path / "one"),
                                        ("two_stage", tmp_path / "merged", tmp_path / "s2")):
        model, proc = load_method_model(cfg, str(model_base), str(adapter), attn="eager")
        out = predict_paths(cfg, method, model, proc, paths, progress=False)
        assert out["probs"].shape == (len(paths), len(words)) and np.allclose(out["probs"].sum(1), 1, atol=1e-5)
        chains = sample_answers(cfg, method, model, proc, paths, 1.0, progress=False)
        assert [len(c["levels"]) for c in chains] == [cfg["instability"]["k"]] * len(paths)
    model, proc = load_method_model(cfg, str(base), None, attn="eager")
    out = predict_paths(cfg, "one_stage_desc", model, proc, paths, progress=False)  # describe, then rate
    records = analyze(cfg, "one_stage_desc", model, proc, paths, ["Edges are sharp, no grain."] * len(paths),
                      progress=False)
    for r in records:  # the attention of the quality token is split over the three segments
        shares = np.array([r["attention"][s] for s in ("image", "prompt", "description")])  # [3, layers]
        np.testing.assert_allclose(shares.sum(0), 1, atol=1e-4)
        assert (shares[0] > 0).all() and (shares[2] > 0).all()
    # the description segment is exactly the description's tokens, whatever an image expands to
    from reasoniqa.images import load_image
    from reasoniqa.lens import _segment_masks

    said = "Edges are sharp, no grain."
    texts, _ = get_method("one_stage_desc").rating_contexts(cfg, proc, [said] * 2)
    enc = proc(text=texts, images=[load_image(p) for p in paths[:2]], return_tensors="pt", padding=True,
               return_offsets_mapping=True, return_text_replacement_offsets=True)
    masks = _segment_masks(enc, texts, [said] * 2, model.config.image_token_id)
    for i in range(2):
        assert proc.tokenizer.decode(enc["input_ids"][i][masks["description"][i]]).strip() == said


def test_padded_batch_scores_and_samples_as_each_image_alone(family_model, data, test_cfg):
    """Left padding (prompts of different lengths: descriptions of different lengths) changes nothing:
    scores equal one prompt at a time, and greedy shared-prefix sampling equals plain generate."""
    from reasoniqa.methods import get_method
    from reasoniqa.sampling import sample_continuations
    from reasoniqa.model.load import load_method_model
    from reasoniqa.scoring import generate_texts, level_probabilities

    _, base = family_model
    _, paths = data
    model, proc = load_method_model(test_cfg, str(base), None)
    said = ["Sharp.", "Noise is severe, blur is mild and contrast is low.", "Clean and well exposed."]
    prompts, _ = get_method("one_stage_desc").rating_contexts(test_cfg, proc, said)
    words = test_cfg["levels"]["words"]
    batched = level_probabilities(model, proc, prompts, paths, words, 3, progress=False)
    alone = np.concatenate([level_probabilities(model, proc, [p], [i], words, 1, progress=False)
                            for p, i in zip(prompts, paths)])
    # on a GPU, cuBLAS picks its kernels by batch shape (another summation order): 2e-5 seen on an H200
    np.testing.assert_allclose(batched, alone, atol=1e-5 if model.device.type == "cpu" else 1e-4)
    shared = sample_continuations(model, proc, prompts, paths, k=2, temperature=0, max_new_tokens=4, seed=0,
                                  batch_size=3, progress=False)
    plain = [generate_texts(model, proc, [p], [i], 1, max_new_tokens=4, progress=False)[0]
             for p, i in zip(prompts, paths)]
    assert [row[0] for row in shared] == [row[1] for row in shared] == plain
    # text only, right after a batch with images (two_stage's second step): no state of that batch is used
    texts = [get_method("two_stage").rating_contexts(test_cfg, proc, [d])[0][0] for d in said]
    shared = sample_continuations(model, proc, texts, None, k=1, temperature=0, max_new_tokens=4, seed=0,
                                  batch_size=3, progress=False)
    plain = [generate_texts(model, proc, [t], None, 1, max_new_tokens=4, progress=False)[0] for t in texts]
    assert [row[0] for row in shared] == plain
    batched = level_probabilities(model, proc, texts, None, words, 3, progress=False)
    alone = np.concatenate([level_probabilities(model, proc, [t], None, words, 1, progress=False) for t in texts])
    np.testing.assert_allclose(batched, alone, atol=1e-5)


def test_lens_last_layer_is_the_models_own_logits(family_model, data, test_cfg):
    from reasoniqa.images import load_image
    from reasoniqa.lens import lens_logits
    from reasoniqa.prompts import Prompts
    from reasoniqa.model.load import load_method_model

    _, base = family_model
    _, paths = data
    model, proc = load_method_model(test_cfg, str(base), None, attn="eager")
    enc = proc(text=[Prompts(test_cfg, proc).rate()] * 2, images=[load_image(p) for p in paths[:2]],
               return_tensors="pt", padding=True)
    with torch.inference_mode():
        out = model(**to_model(enc, model), output_hidden_states=True, logits_to_keep=1)
        lens = lens_logits(model, out.hidden_states)
    torch.testing.assert_close(lens[-1], out.logits[:, -1], atol=1e-4, rtol=1e-4)


def test_a_projector_the_model_lacks_is_named(family_model, data, test_cfg, tmp_path):
    from reasoniqa import UserError
    from reasoniqa.train import train

    name, base = family_model
    cfg = copy.deepcopy(test_cfg)
    cfg["train"]["modules_to_save"] = ["no_such_projector"]
    with pytest.raises(UserError, match="no module 'no_such_projector'"):
        train(cfg, str(base), [str(data[0] / "labels/one_stage.jsonl")], 0, tmp_path / "a", tmp_path / "c")


def test_mplug_owl2_checkpoints_are_refused_in_one_line_naming_the_native_families(tmp_path, test_cfg, venv_bin):
    """Q-Instruct's checkpoints (mPLUG-Owl2) need remote code written for transformers 4.x."""
    import subprocess

    (tmp_path / "q-instruct").mkdir()
    (tmp_path / "q-instruct/config.json").write_text('{"model_type": "mplug_owl2"}')
    image = tmp_path / "x.png"
    from PIL import Image

    Image.new("RGB", (32, 32)).save(image)
    proc = subprocess.run([venv_bin / "reasoniqa", "predict", "--method", "zero_shot", "--base",
                           str(tmp_path / "q-instruct"), str(image)], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0, proc.stderr
    assert "transformers 4.x" in proc.stderr and "qwen2_5_vl" in proc.stderr and "Traceback" not in proc.stderr


def test_schema_lists_every_family():
    from reasoniqa.config import _schema

    enum = _schema()["properties"]["model"]["properties"]["embedded"]["properties"]["family"]["enum"]
    assert enum == FAMILIES or sorted(enum) == FAMILIES


def test_training_batch_pads_images_of_different_tile_counts():
    """LLaVA-OneVision's AnyRes gives images of other aspect ratios more tiles: zero tiles pad them."""
    from reasoniqa.batching import collate

    items = [{"input_ids": [1, 2], "labels": [-100, 2], "per_image": {"pixel_values": torch.ones(1, n, 3, 4, 4),
                                                                       "image_sizes": torch.tensor([[4, 4 * n]])}}
             for n in (2, 5)]
    batch = collate(items, pad_id=0)
    assert batch["pixel_values"].shape == (2, 5, 3, 4, 4) and batch["pixel_values"][0, 2:].abs().sum() == 0
    assert batch["image_sizes"].tolist() == [[4, 8], [4, 20]]


@pytest.mark.integration  # two CLI runs per family
@pytest.mark.parametrize("family", FAMILIES)
def test_build_model_then_predict_with_any_base_folder(family, tmp_path, data, venv_bin, root):
    """`reasoniqa build-model --family F --out DIR`, then `reasoniqa predict --method zero_shot --base DIR`."""
    import json
    import subprocess

    configs = ["--config", str(root / "config/config.yaml"), "--config", str(root / "config/test.yaml")]
    subprocess.run([venv_bin / "reasoniqa", "build-model", *configs, "--family", family, "--out", str(tmp_path / "m")],
                   check=True, capture_output=True)
    proc = subprocess.run([venv_bin / "reasoniqa", "predict", *configs, "--method", "zero_shot", "--base",
                           str(tmp_path / "m"), "--json", data[1][0]], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-1000:]
    rows = json.loads(proc.stdout)
    assert len(rows) == 1 and 1 <= rows[0]["score"] <= 5 and rows[0]["level"] in ("bad", "poor", "fair", "good", "excellent")


def test_vision_pretraining_trains_the_vision_side_only_and_pools_each_image_alone(family_model, data, test_cfg):
    """Stage 0 of the embedded base (reasoniqa.model.vision_pretrain), for every family: the pooled image
    tokens of a batch equal each image's alone (the family's token layout is split per image right), the
    squared error falls, the vision tower and projector move, and the language model is left bit for bit."""
    from PIL import Image

    from reasoniqa.model.load import load_base
    from reasoniqa.model.vision_pretrain import image_inputs, pooled_image_tokens, pretrain_vision, vision_parameters

    _, base = family_model
    d, paths = data
    model, proc = load_base(base, test_cfg)
    with torch.no_grad():
        batched = pooled_image_tokens(model, image_inputs(proc, paths))
        alone = torch.cat([pooled_image_tokens(model, image_inputs(proc, [p])) for p in paths])
    assert batched.shape == (len(paths), 2 * model.get_input_embeddings().weight.shape[1])
    torch.testing.assert_close(batched, alone, atol=1e-5, rtol=1e-5)
    vision = {id(p) for p in vision_parameters(model)}
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    brightness = np.array([[np.asarray(Image.open(p)).mean()] for p in paths * 4])
    stats, _ = pretrain_vision(model, proc, paths * 4, (brightness - brightness.mean()) / brightness.std(),
                               {**test_cfg["model"]["embedded"]["vision_pretrain"], "steps": 120}, seed=0,
                               progress=False)
    assert stats["loss_last_50_mean"] < stats["loss_first_50_mean"]  # 120 steps: two disjoint windows
    moved = {n for n, p in model.named_parameters() if not torch.equal(p, before[n])}
    assert moved and moved == {n for n, p in model.named_parameters() if id(p) in vision and not torch.equal(p, before[n])}
    assert not any("language_model" in n or "lm_head" in n for n in moved), sorted(moved)[:3]
    assert any("projector" in n or "merger" in n or "mlp1" in n for n in moved), sorted(moved)[:5]
