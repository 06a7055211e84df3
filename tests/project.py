"""Helpers for tests that run the workflow in a temporary copy of the project."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def copy_project(root, dest):
    dest.mkdir(parents=True, exist_ok=True)
    for item in ("Snakefile", "workflow", "config", "environment.yml"):
        src = root / item
        if src.is_dir():
            shutil.copytree(src, dest / item, symlinks=True)
        else:
            shutil.copy2(src, dest / item)
    # the schema symlink points into src/: resolve it for the copy
    schema = dest / "workflow/schemas/config.schema.yaml"
    schema.unlink()
    shutil.copy2(root / "src/reasoniqa/schemas/config.schema.yaml", schema)
    return dest


def run(args, cwd, venv_bin, check=True, path_prefix="", **env):
    path = f"{path_prefix + os.pathsep if path_prefix else ''}{venv_bin}{os.pathsep}{os.environ['PATH']}"
    full_env = dict(os.environ, PATH=path, TQDM_DISABLE="1", **env)
    proc = subprocess.run(args, cwd=cwd, env=full_env, capture_output=True, text=True)
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, args))} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def init_dvc(work, venv_bin):
    """A DVC repository (no git) in a project copy, with the project's own DVC settings (.dvc/config,
    .dvcignore)."""
    import shutil

    run([venv_bin / "dvc", "init", "--no-scm", "-q"], work, venv_bin)
    root = Path(__file__).resolve().parents[1]
    shutil.copy2(root / ".dvc/config", work / ".dvc/config")
    shutil.copy2(root / ".dvcignore", work / ".dvcignore")
    run([venv_bin / "dvc", "config", "core.no_scm", "true"], work, venv_bin)
