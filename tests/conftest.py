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

    return load_config(ROOT / "config" / "test.yaml")


@pytest.fixture(scope="session")
def venv_bin() -> Path:
    """Folder of the running interpreter's console scripts (reasoniqa, snakemake, dvc)."""
    return Path(sys.executable).parent


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, test_cfg):
    from reasoniqa.model.tiny import build_tiny_llava

    out = tmp_path_factory.mktemp("tiny") / "base"
    build_tiny_llava(test_cfg, out)
    return out
