"""What the workflow's jobs ask a scheduler for (reasoniqa.resources), sized from the config."""

import pytest

from reasoniqa import UserError
from reasoniqa.config import load_config
from reasoniqa.resources import job_resources


@pytest.fixture(scope="module")
def paper(root):
    return load_config([root / "config/config.yaml", root / "config/paper.yaml"])


def test_embedded_jobs_ask_for_little_and_gpu_rules_for_one_gpu(test_cfg):
    train, features = job_resources(test_cfg, "train"), job_resources(test_cfg, "features")
    assert train["gpu"] == 1 and features["gpu"] == 0
    res = test_cfg["resources"]
    assert features["mem_mb"] == res["base_mem_mb"] and train["mem_mb"] == res["base_mem_mb"] + res["encode_cache_mb"]
    assert train["mem_mb"] <= 4000
    assert "slurm_partition" not in train and "slurm_account" not in train  # the cluster's defaults


def test_memory_follows_the_model_size_and_dtype(paper):
    # LLaVA-1.5-7B in bf16: ~13.2 GB of weights, staged once by a GPU job, 2.5 times by the merge
    weights = 7.06e9 * 2 / 2**20
    base, cache = paper["resources"]["base_mem_mb"], paper["resources"]["encode_cache_mb"]
    assert job_resources(paper, "train")["mem_mb"] == int(base + weights + cache)
    assert job_resources(paper, "score_split")["mem_mb"] == int(base + weights)
    assert job_resources(paper, "merge_stage1")["mem_mb"] == int(base + 2.5 * weights)
    assert job_resources(paper, "features")["mem_mb"] == base
    fp32 = {**paper, "model": {**paper["model"], "dtype": "float32"}}
    assert job_resources(fp32, "score_split")["mem_mb"] == int(base + 2 * weights)
    assert job_resources(paper, "train")["runtime"] == 720 and job_resources(paper, "features")["runtime"] == 60
    assert job_resources(paper, "train")["slurm_partition"] == "gpu"
    assert "slurm_partition" not in job_resources(paper, "features")


def test_site_settings_and_cpu_runs(paper):
    site = {**paper, "resources": {**paper["resources"], "slurm_account": "lab", "gpu_model": "h100"}}
    train = job_resources(site, "train")
    assert train["slurm_account"] == "lab" and train["gpu_model"] == "h100"
    assert "gpu_model" not in job_resources(site, "features")
    cpu = {**paper, "model": {**paper["model"], "device": "cpu"}}
    assert job_resources(cpu, "train")["gpu"] == 0  # a CPU run does not hold the GPU resource


def test_a_real_checkpoint_needs_its_size(paper):
    cfg = {**paper, "resources": {**paper["resources"], "model_params_billion": None}}
    with pytest.raises(UserError, match="model_params_billion"):
        job_resources(cfg, "train")


def test_a_runtime_for_an_unknown_rule_is_refused(root):
    import yaml

    from reasoniqa.config import validate_config

    cfg = yaml.safe_load((root / "config/config.yaml").read_text())
    cfg["resources"] = {"runtime_min": {"default": 30, "trian": 60}}
    with pytest.raises(UserError, match="runtime_min: no rule named 'trian'"):
        validate_config(cfg)


def test_a_local_checkpoint_is_sized_from_its_files(paper, tmp_path):
    (tmp_path / "model-00001-of-00002.safetensors").write_bytes(b"\0" * 3 * 2**20)
    (tmp_path / "model-00002-of-00002.safetensors").write_bytes(b"\0" * 2**20)
    cfg = {**paper, "model": {**paper["model"], "source": str(tmp_path)},
           "resources": {**paper["resources"], "model_params_billion": None}}
    assert job_resources(cfg, "score_split")["mem_mb"] == paper["resources"]["base_mem_mb"] + 4
