import subprocess
import sys

import pytest
import yaml

from reasoniqa import UserError
from reasoniqa.config import load_config, validate_config


def _cfg(root):
    return yaml.safe_load((root / "config" / "config.yaml").read_text())


def test_default_and_test_configs_are_valid(root):
    for files in (["config.yaml"], ["config.yaml", "test.yaml"], ["config.yaml", "paper.yaml"]):
        cfg = load_config([root / "config" / f for f in files])
        assert cfg["train"]["warmup_ratio"] == pytest.approx(0.03)  # default filled in


def test_overrides_merge_like_snakemake(root):
    """Mappings merge key by key, lists are replaced: what the test config leaves out is the base's."""
    base = load_config(root / "config/config.yaml")
    cfg = load_config([root / "config/config.yaml", root / "config/test.yaml"])
    assert cfg["train"]["steps"] == 12 and cfg["train"]["lora_r"] == base["train"]["lora_r"]
    assert cfg["model"]["embedded"]["text_layers"] == 2
    assert cfg["model"]["embedded"]["text_hidden"] == base["model"]["embedded"]["text_hidden"]
    assert cfg["datasets"]["synth_live"]["distortions"] == base["datasets"]["synth_live"]["distortions"]
    paper = load_config([root / "config/config.yaml", root / "config/paper.yaml"])
    assert paper["seeds"] == [0, 1, 2] and paper["test_datasets"] == ["koniq", "spaq", "live", "csiq"]


def test_unknown_key_names_the_key(root):
    cfg = _cfg(root)
    cfg["train"]["learning_rate"] = 0.1
    with pytest.raises(UserError, match=r"train.*learning_rate"):
        validate_config(cfg)


def test_wrong_type_names_the_path(root):
    cfg = _cfg(root)
    cfg["train"]["steps"] = "many"
    with pytest.raises(UserError, match=r"train\.steps"):
        validate_config(cfg)


def test_undefined_dataset_reference(root):
    cfg = _cfg(root)
    cfg["test_datasets"] = ["koniq_typo"]
    with pytest.raises(UserError, match="koniq_typo"):
        validate_config(cfg)


def test_levels_and_weights_must_pair(root):
    cfg = _cfg(root)
    cfg["levels"]["weights"] = [1, 2, 3]
    with pytest.raises(UserError, match="weights"):
        validate_config(cfg)


def test_cli_reports_bad_config_in_one_line(root, tmp_path, venv_bin):
    cfg = _cfg(root)
    cfg["model"]["dtype"] = "float64"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg))
    proc = subprocess.run([venv_bin / "reasoniqa", "synthesize", "--config", str(path), "--dataset", "x",
                           "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0, proc.stderr
    assert "model.dtype" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "o").exists()


def test_help_does_not_import_torch():
    code = ("import sys; from reasoniqa.cli import build_parser; build_parser().format_help(); "
            "assert 'torch' not in sys.modules and 'transformers' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


PAPER = {"llava": (["paper.yaml"], "llava-hf/llava-1.5-7b-hf"),
         "qwen2_5_vl": (["paper.yaml", "paper_qwen2_5_vl.yaml"], "Qwen/Qwen2.5-VL-7B-Instruct"),
         "qwen3_vl": (["paper.yaml", "paper_qwen3_vl.yaml"], "Qwen/Qwen3-VL-8B-Instruct"),
         "llava_onevision": (["paper.yaml", "paper_llava_onevision.yaml"], "llava-hf/llava-onevision-qwen2-7b-ov-hf"),
         "internvl": (["paper.yaml", "paper_internvl.yaml"], "OpenGVLab/InternVL3-8B-hf")}


@pytest.mark.integration  # plans the workflow with Snakemake
@pytest.mark.parametrize("family", sorted(PAPER))
def test_paper_configs_are_valid_and_plan_the_full_workflow(family, root, venv_bin):
    from reasoniqa.model.families import get_family

    files, model = PAPER[family]
    cfg = load_config([root / "config/config.yaml", *(root / "config" / f for f in files)])
    assert cfg["model"]["source"] == model == get_family(family).paper_model
    assert cfg["model"]["trust_remote_code"] is False
    assert get_family(family).projector in cfg["train"]["modules_to_save"]
    proc = subprocess.run([venv_bin / "snakemake", "-n", "-p", "--cores", "all", "--resources", "gpu=1", "--configfile",
                           *(f"config/{f}" for f in files)], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout + proc.stderr
    for rule in ("fetch", "prepare", "train_stage1", "merge_stage1", "train_stage2", "score_split", "sample_split",
                 "analyze_split", "correlations", "lens_figure"):
        assert f"rule {rule}:" in out or f"localrule {rule}:" in out, rule
    # the steps get the base and every override, in order
    assert "--config config/config.yaml " + "".join(f"--config config/{f} " for f in files) in out


def test_config_readme_documents_every_key_from_the_schema(root):
    from reasoniqa.config import _schema
    from reasoniqa.config_doc import render, undocumented

    assert undocumented(_schema()) == []
    assert (root / "config/README.md").read_text() == render(), "config/README.md is stale: run `make config-doc`"


@pytest.mark.integration  # runs Snakemake
def test_a_family_override_given_alone_is_refused(root, venv_bin):
    """config/paper_qwen2_5_vl.yaml goes after paper.yaml; alone it would mix the embedded default with a
    7B model, so it fails validation, naming what is missing."""
    proc = subprocess.run([venv_bin / "snakemake", "-n", "--cores", "1", "--configfile", "config/paper_qwen2_5_vl.yaml"],
                          cwd=root, capture_output=True, text=True)
    assert proc.returncode != 0 and "dataset 'koniq' is not defined" in proc.stdout + proc.stderr
