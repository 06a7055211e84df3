import pytest
import torch

from reasoniqa.device import to_model
from reasoniqa.levels import level_token_ids
from reasoniqa.model.load import load_base
from reasoniqa.model.tiny import build_tiny
from reasoniqa.prompts import Prompts


def _logits(model, processor, cfg, image):
    enc = processor(text=[Prompts(cfg, processor).rate()], images=[image], return_tensors="pt")
    with torch.no_grad():
        return model(**to_model(enc, model)).logits


def test_build_save_load_roundtrip_gives_identical_logits(tmp_path, test_cfg):
    from PIL import Image
    from transformers import LlavaForConditionalGeneration

    import numpy as np

    image = Image.fromarray((np.random.default_rng(0).random((40, 40, 3)) * 255).astype("uint8"))
    build_tiny(test_cfg, tmp_path / "m")
    model, processor = load_base(tmp_path / "m", test_cfg)  # AutoModelForImageTextToText path
    assert isinstance(model, LlavaForConditionalGeneration)
    # Rebuild in memory from the same seed: same weights as the saved-and-loaded model.
    build_tiny(test_cfg, tmp_path / "m2")
    model2, _ = load_base(tmp_path / "m2", test_cfg)
    a, b = _logits(model, processor, test_cfg, image), _logits(model2, processor, test_cfg, image)
    assert torch.equal(a, b)
    assert (tmp_path / "m" / "model.safetensors").read_bytes() == (tmp_path / "m2" / "model.safetensors").read_bytes()
    assert processor.image_token in processor.tokenizer.get_vocab()


def test_the_config_chooses_the_attention_kernel_and_a_missing_one_is_named(tiny_model, test_cfg):
    """model.attention reaches every sub-model (same logits as the default kernel); the lens's own choice
    wins; a kernel that cannot load here (flash_attention_2 without its package) is one line naming it."""
    import copy

    import pytest
    from PIL import Image

    from reasoniqa import UserError

    def with_attention(kernel):
        cfg = copy.deepcopy(test_cfg)
        cfg["model"]["attention"] = kernel
        return cfg

    default, proc = load_base(str(tiny_model), test_cfg)
    eager, _ = load_base(str(tiny_model), with_attention("eager"))
    kernels = {eager.config._attn_implementation, eager.config.text_config._attn_implementation,
               eager.config.vision_config._attn_implementation}
    assert kernels == {"eager"} and default.config._attn_implementation == "sdpa"
    lens, _ = load_base(str(tiny_model), with_attention("sdpa"), attn="eager")
    assert lens.config._attn_implementation == "eager"
    image = Image.new("RGB", (40, 40), (90, 40, 10))
    torch.testing.assert_close(_logits(eager, proc, test_cfg, image), _logits(default, proc, test_cfg, image),
                               atol=1e-4, rtol=1e-4)
    try:
        import flash_attn  # noqa: F401
    except ImportError:
        with pytest.raises(UserError, match=r"^model.attention='flash_attention_2': .*[Ff]lash") as err:
            load_base(str(tiny_model), with_attention("flash_attention_2"))
        assert "\n" not in str(err.value)


def test_tokenizer_is_subword_with_leading_spaces(tiny_model, test_cfg):
    _, processor = load_base(tiny_model, test_cfg)
    tok = processor.tokenizer
    pieces = tok.tokenize(" overexposed, with washed out highlights")
    assert pieces[0].startswith("Ġ")  # byte-level BPE marks the leading space
    assert len(tok.tokenize(" unseenwordzz")) > 1  # unknown words split into sub-words, no <unk>
    ids = level_token_ids(tok, test_cfg["levels"]["words"])
    assert len(set(ids)) == len(ids)


def test_image_changes_the_answer_logits(tiny_model, test_cfg):
    from PIL import Image

    model, processor = load_base(tiny_model, test_cfg)
    black = Image.new("RGB", (40, 40))
    white = Image.new("RGB", (40, 40), (255, 255, 255))
    a = _logits(model, processor, test_cfg, black)[0, -1]
    b = _logits(model, processor, test_cfg, white)[0, -1]
    assert not torch.allclose(a, b)


def test_one_pass_scoring_and_lens_keep_no_kv_cache(tiny_model, test_cfg, tmp_path):
    """A score and a lens record are one forward pass each: a KV cache would only hold memory (on a GPU,
    about 0.3 GB per image for LLaVA-1.5-7B's ~600 tokens), so none is built."""
    from PIL import Image

    from reasoniqa.lens import analyze
    from reasoniqa.model.load import load_method_model
    from reasoniqa.scoring import level_probabilities

    paths = []
    for i, colour in enumerate([(0, 0, 0), (200, 120, 40)]):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.new("RGB", (40, 40), colour).save(paths[-1])
    model, proc = load_method_model(test_cfg, str(tiny_model), None, attn="eager")
    caches = []
    # a model output keeps only the fields that are set: a cache under its current or former name
    model.register_forward_hook(lambda module, args, out: caches.append(out.get("cache", out.get("past_key_values"))))
    prompts = [Prompts(test_cfg, proc).rate()] * 2
    level_probabilities(model, proc, prompts, paths, test_cfg["levels"]["words"], 2, progress=False)
    analyze(test_cfg, "one_stage_desc", model, proc, paths, ["Edges are sharp."] * 2, progress=False)
    assert len(caches) == 2 and caches == [None, None]


def test_vision_pretraining_names_a_training_image_its_features_file_lacks(tmp_path):
    """The pretraining's targets are the training split's measurements: a features file missing one of the
    dataset's training images is refused in one line naming the file and an image, before any model loads."""
    import pandas as pd

    from reasoniqa import UserError
    from reasoniqa.features import FEATURES
    from reasoniqa.model.vision_pretrain import training_images

    data = tmp_path / "d"
    (data / "images").mkdir(parents=True)
    names = [f"img{i}.png" for i in range(4)]
    pd.DataFrame({"name": names, "path": [f"images/{n}" for n in names], "mos": 0.5, "mos_std": 0.0, "score": 0.5,
                  "split": ["train", "train", "train", "test"], "content": "c", "distortions": "",
                  "is_reference": 0}).to_csv(data / "manifest.csv", index=False)
    (data / "dataset.json").write_text('{"name": "d", "kind": "synthetic", "mos_scale": [0, 1], "lower_is_better": false}')
    features = pd.DataFrame({"name": names, "split": "train", **{f: [0.1, 0.2, 0.3, 0.4] for f in FEATURES}})
    features.to_csv(tmp_path / "ok.csv", index=False)
    paths, values = training_images([str(data)], [str(tmp_path / "ok.csv")])
    assert len(paths) == 3 and values.shape == (3, len(FEATURES)) and values[:, 0].tolist() == [0.1, 0.2, 0.3]
    features.drop(index=1).to_csv(tmp_path / "short.csv", index=False)
    with pytest.raises(UserError, match=r"short\.csv: no measurement of 1 training images .*img1\.png"):
        training_images([str(data)], [str(tmp_path / "short.csv")])


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_vision_pretraining_runs_the_test_configs_few_steps_in_any_dtype(tiny_model, test_cfg, tmp_path, dtype):
    """The test config's 20 steps (a one-cycle schedule needs a warm-up of two steps or more) and a
    bfloat16 model (the float32 head reads the pooled tokens cast up) both train the vision side and leave
    the language model as it was; under 3 steps is refused in one line."""
    import copy

    import numpy as np
    from PIL import Image

    from reasoniqa import UserError
    from reasoniqa.model.vision_pretrain import pretrain_vision

    cfg = copy.deepcopy(test_cfg)
    cfg["model"]["dtype"] = dtype
    model, proc = load_base(tiny_model, cfg)
    rng = np.random.default_rng(0)
    paths = []
    for i in range(6):
        Image.fromarray(rng.integers(0, 255, (40, 40, 3), dtype=np.uint8)).save(tmp_path / f"{i}.png")
        paths.append(str(tmp_path / f"{i}.png"))
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    spec = cfg["model"]["embedded"]["vision_pretrain"]
    assert spec["steps"] == 20
    stats, head = pretrain_vision(model, proc, paths, rng.normal(size=(6, 2)), spec, seed=0, progress=False)
    assert stats["steps"] == 20 and head.weight.dtype == torch.float32
    moved = {n for n, p in model.named_parameters() if not torch.equal(p, before[n])}
    assert any("vision_tower" in n for n in moved) and not any("language_model" in n for n in moved)
    with pytest.raises(UserError, match="vision_pretrain.steps: 2"):
        pretrain_vision(model, proc, paths, rng.normal(size=(6, 2)), {**spec, "steps": 2}, seed=0, progress=False)
