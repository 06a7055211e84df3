"""On a CUDA machine (`make test-gpu`): the package's paths run on the GPU as placed by
reasoniqa.device, and agree with the CPU. Skipped without CUDA; the GPU script's code path is checked on
CPU at tiny sizes by test_gpu_benchmark_script_runs_at_tiny_sizes."""

import json
import sys

import numpy as np
import pytest
import torch

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.mark.gpu
@cuda
def test_every_path_runs_on_the_gpu_and_agrees_with_the_cpu(tiny_model, test_cfg, tmp_path):
    from reasoniqa.data.manifest import load_manifest
    from reasoniqa.data.synth import synthesize
    from reasoniqa.device import input_device
    from reasoniqa.lens import analyze
    from reasoniqa.sampling import sample_answers
    from reasoniqa.model.load import load_method_model
    from reasoniqa.scoring import predict_paths

    synthesize("synth_spaq", test_cfg["datasets"]["synth_spaq"], tmp_path / "d", test_cfg["test_photos"],
               progress=False)
    paths = list(load_manifest(tmp_path / "d", split="test")[0]["path"])[:4]
    probs = {}
    for device in ("cpu", "cuda"):
        cfg = {**test_cfg, "model": {**test_cfg["model"], "device": device}}
        model, proc = load_method_model(cfg, str(tiny_model), None, attn="eager")
        assert input_device(model).type == device
        probs[device] = predict_paths(cfg, "zero_shot", model, proc, paths, progress=False)["probs"]
        if device == "cuda":
            predict_paths(cfg, "one_stage_desc", model, proc, paths, progress=False)
            sample_answers(cfg, "one_stage_desc", model, proc, paths, 1.0, progress=False)
            analyze(cfg, "one_stage_desc", model, proc, paths, ["Edges are sharp."] * len(paths), progress=False)
    np.testing.assert_allclose(probs["cuda"], probs["cpu"], atol=1e-3)


@pytest.mark.gpu
@cuda
def test_training_runs_on_the_gpu(tiny_model, test_cfg, tmp_path):
    import json

    from reasoniqa.data.synth import synthesize
    from reasoniqa.labels import calibrate_files, measure_dataset, write_records
    from reasoniqa.train import train

    synthesize("synth_koniq", test_cfg["datasets"]["synth_koniq"], tmp_path / "d", test_cfg["test_photos"],
               progress=False)
    measure_dataset(str(tmp_path / "d"), str(tmp_path / "f.csv"))
    calibrate_files([str(tmp_path / "f.csv")], str(tmp_path / "cal.json"))
    write_records(test_cfg, "synth_koniq", str(tmp_path / "d"), str(tmp_path / "f.csv"), str(tmp_path / "cal.json"),
                  str(tmp_path / "labels"))
    stats = train(test_cfg, str(tiny_model), [str(tmp_path / "labels/one_stage.jsonl")], 0, tmp_path / "ad",
                  tmp_path / "ck")
    assert stats["loss_last_10_mean"] < stats["loss_first"]
    assert json.loads((tmp_path / "ad/train_meta.json").read_text())["steps"] == test_cfg["train"]["steps"]


def test_gpu_benchmark_script_runs_at_tiny_sizes(root, tmp_path):
    """benchmarks/gpu.py goes through the package's functions; at tiny sizes on CPU it runs end to end."""
    import json

    sys.path.insert(0, str(root / "benchmarks"))
    import gpu

    gpu.main(["--tiny", "--out", str(tmp_path / "g.json"), "--score-batch", "2", "--sample-batch", "2",
              "--lens-batch", "2", "--train-batch", "2"])
    result = json.loads((tmp_path / "g.json").read_text())
    for family, numbers in result["families"].items():
        assert numbers["scoring_images_per_s"] > 0 and numbers["lora_step_s"] > 0, family
        # the rating prompt's tokens include the image's: more than the prompt's words alone
        assert numbers["scoring_tokens"] > 20 and numbers["scoring_tflop_s"] > 0, family
    measured = {f: n["scoring_tokens"] for f, n in result["families"].items()}
    gpu.derive(tmp_path / "g.json", tiny=True)  # recounted from the processors alone (meta device)
    assert {f: n["scoring_tokens"] for f, n in json.loads((tmp_path / "g.json").read_text())["families"].items()} == measured
    assert len(gpu.table(tmp_path / "g.json").splitlines()) == 2 + len(measured)
    assert "(batch 2)" in gpu.table(tmp_path / "g.json").splitlines()[0]  # the run's own batch sizes


def test_the_paper_plan_takes_the_measured_gpu_rates(root, tmp_path):
    """paper_scale's plan at measured rates: a sampling job's decoding scales with the measured multiple of
    the bandwidth bound, and a benchmark whose decoding ran exactly at the bound gives a multiple of 1."""
    sys.path.insert(0, str(root / "benchmarks"))
    import paper_scale as ps

    params, tokens, k, batch, new = 7.06, 600, 10, 8, 16
    prefill_s = 2 * params * 1e9 * tokens / 300e12  # one image at 300 TFLOP/s
    step_s = ps.decode_bound_s(1, batch * k, tokens, ps.H200["hbm_tb_per_s"])
    family = {"params_b": params, "scoring_tokens": tokens, "scoring_tflop_s": 300.0, "lora_tflop_s": 200.0,
              "scoring_images_per_s": 1 / prefill_s, "sampling_batch": batch, "sampling_k": k, "sampling_max_new_tokens": new,
              "sampling_images_per_s": batch / (batch * prefill_s + new * step_s)}
    (tmp_path / "gpu.json").write_text(json.dumps({"device": "X", "measured_on": "today", "families": {"llava": family}}))
    rates = ps.measured_rates(tmp_path / "gpu.json")
    assert abs(rates["decode_over_bandwidth_bound"] - 1.0) < 1e-9
    assert abs(rates["prefill_utilisation"] - 300 / 989) < 1e-9 and abs(rates["train_utilisation"] - 200 / 989) < 1e-9
    cfg = {"train": {"steps": 1, "batch_size": 1}, "predict": {"batch_size": 8, "max_new_tokens": 64},
           "instability": {"batch_size": batch, "k": k, "rating_tokens": 4, "max_images": None}}
    sizes = {"live": {"test": 1_000_000, "scale_to_real": 1.0}}
    job = [{"rule": "sample_split", "wildcards": {"method": "one_stage"}, "outputs": ["a.csv"]}]
    hours = {}
    for slow in (1.0, 4.0):
        r = {**rates, "decode_over_bandwidth_bound": slow, "prefill_utilisation": 1e9}  # prefill ~free
        hours[slow] = ps.gpu_plan(job, cfg, sizes, {"one_stage_desc": 24}, r)["sample_split"]["gpu_h"]
    assert hours[1.0] > 0 and abs(hours[4.0] / hours[1.0] - 4.0) < 0.01
