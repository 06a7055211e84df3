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
INTEGRATION = {"test_workflow", "test_slurm", "test_dvc_sync"}  # run Snakemake, DVC or the workflow
MODEL = {"test_sampling", "test_lens", "test_training", "test_model", "test_labels", "test_classical", "test_device",
         "test_methods", "test_prompts", "test_families", "test_gpu"}  # in-process models


# `make test` runs the suite in two pytest-xdist workers (`--dist loadgroup`): a workflow run is mostly
# one busy core (imports, one model job at a time), so two of them fill the 2-core machine. Tests that
# share a module-scoped fixture go to one worker, so each fixture is built once: a module's tests form
# one group, except the workflow tests, where only those reading the shared Snakemake run do.
OWN_GROUPS = {"test_workflow"}


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the groups
def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1]
        if module not in OWN_GROUPS:
            item.add_marker(pytest.mark.xdist_group(module))
        elif "snakemake_run" in item.fixturenames:
            item.add_marker(pytest.mark.xdist_group(f"{module}:snakemake_run"))
        if item.get_closest_marker("gpu") or item.get_closest_marker("integration"):
            continue  # marked by hand: a test that runs Snakemake or the CLI in a module of faster tests
        lane = "integration" if module in INTEGRATION else "model" if module in MODEL else "unit"
        item.add_marker(getattr(pytest.mark, lane))
