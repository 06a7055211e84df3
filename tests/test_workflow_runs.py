"""Integration: workflow runs of their own in temp copies (a run killed mid-job, the embedded model built
as another family). Apart from test_workflow.py, whose tests share one Snakemake run, so that
`make test`'s two workers (`--dist loadfile`) can run these beside that run."""

import json
import os
import subprocess

import numpy as np
import pandas as pd
from project import copy_project, run

CONFIG = "config/test.yaml"  # an override of config/config.yaml (Snakemake merges the two)
TABLE = "results/tables/table1_correlations.csv"


def test_snakemake_killed_mid_job_reruns_the_incomplete_job(root, tmp_path, venv_bin):
    """SIGKILL the whole Snakemake run while a training job runs; the next run (with the profile's
    rerun-incomplete) redoes that job and completes. Atomic outputs mean nothing half-written remains."""
    import signal
    import time

    import yaml

    work = copy_project(root, tmp_path)
    cfg = yaml.safe_load((work / CONFIG).read_text())
    cfg["train"]["steps"] = 400  # long enough to be caught mid-job
    (work / CONFIG).write_text(yaml.safe_dump(cfg))
    env = dict(os.environ, PATH=f"{venv_bin}:{os.environ['PATH']}", TQDM_DISABLE="1")
    target = "results/adapters/one_stage/seed0"
    proc = subprocess.Popen([venv_bin / "snakemake", target, "--cores", "1", "--configfile", CONFIG],
                            cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 180
    log = work / "logs/train/one_stage/seed0.log"
    while not (log.exists() and "trainable parameters" in log.read_text()) and time.time() < deadline:
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (work / target / "adapter_model.safetensors").exists()
    # A killed Snakemake leaves its lock: --unlock (documented in the README), then rerun.
    run([venv_bin / "snakemake", target, "--unlock", "--cores", "1", "--configfile", CONFIG], work, venv_bin)
    run([venv_bin / "snakemake", target, "--cores", "1", "--configfile", CONFIG, "--rerun-incomplete"],
         work, venv_bin)
    assert (work / target / "adapter_model.safetensors").is_file()
    again = run([venv_bin / "snakemake", target, "-n", "--cores", "1", "--configfile", CONFIG], work, venv_bin)
    assert "Nothing to be done" in again.stdout + again.stderr


def test_embedded_workflow_runs_end_to_end_on_a_qwen_model(root, tmp_path, venv_bin):
    """The same workflow with the embedded model built as a tiny Qwen2.5-VL (`model.embedded.family`):
    a family with 3D positions, dynamic-resolution image inputs and another chat template."""
    import yaml

    work = copy_project(root, tmp_path)
    (work / "config/qwen.yaml").write_text(yaml.safe_dump({  # two_stage: describe, then text only
        "model": {"embedded": {"family": "qwen2_5_vl"}}, "methods": ["zero_shot", "two_stage"],
        "test_datasets": ["synth_spaq"], "train": {"modules_to_save": ["merger"]},
        "classical": {"methods": ["piqe"]}, "instability": {"temperatures": [1.0]},
        "evaluate": {"reference_method": "zero_shot"}}))
    run([venv_bin / "snakemake", "--cores", "2", "--resources", "gpu=1", "--configfile", CONFIG, "config/qwen.yaml"],
        work, venv_bin)
    config = json.loads((work / "results/models/base/config.json").read_text())
    assert config["model_type"] == "qwen2_5_vl"
    table = pd.read_csv(work / TABLE).set_index(["method", "dataset"])
    for method in ("zero_shot", "two_stage"):
        assert np.isfinite(table.loc[(method, "synth_spaq"), "srcc"]), method
    preds = pd.read_csv(work / "results/predictions/two_stage/seed0/synth_spaq.csv", keep_default_na=False)
    assert preds["description"].str.len().gt(0).all() and preds["pred_score"].between(1, 5).all()
    for figure in ("fig3_logit_lens", "fig5_attention", "fig1_examples"):
        assert (work / f"results/figures/{figure}.png").read_bytes()[:4] == b"\x89PNG", figure
