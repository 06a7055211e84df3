import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("TQDM_DISABLE", "1")  # progress bars off in tests
sys.path.insert(0, str(Path(__file__).parent))  # test helpers (loopback server)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def test_cfg():
    from reasoniqa.config import load_config

    return load_config([ROOT / "config" / "config.yaml", ROOT / "config" / "test.yaml"])


@pytest.fixture(scope="session")
def venv_bin() -> Path:
    """Folder of the running interpreter's console scripts (reasoniqa, snakemake, dvc)."""
    return Path(sys.executable).parent


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, test_cfg):
    from reasoniqa.model.tiny import build_tiny

    out = tmp_path_factory.mktemp("tiny") / "base"
    build_tiny(test_cfg, out)
    return out


# Lanes (pyproject.toml registers the markers): `make test-fast` runs unit and model tests only.
INTEGRATION = {"test_workflow", "test_workflow_runs", "test_slurm", "test_dvc_sync"}  # run Snakemake, DVC or the workflow
MODEL = {"test_sampling", "test_lens", "test_training", "test_model", "test_labels", "test_classical", "test_device",
         "test_methods", "test_prompts", "test_families", "test_gpu"}  # in-process models


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1]
        if item.get_closest_marker("gpu") or item.get_closest_marker("integration"):
            continue  # marked by hand: a test that runs Snakemake or the CLI in a module of faster tests
        lane = "integration" if module in INTEGRATION else "model" if module in MODEL else "unit"
        item.add_marker(getattr(pytest.mark, lane))
