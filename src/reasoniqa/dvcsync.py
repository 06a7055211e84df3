"""Recording a Snakemake run in DVC, and restoring it (`dvc pull` elsewhere, `dvc checkout`), with
both tools agreeing on one tree.

Snakemake dates outputs by their modification times (and its `.snakemake/` metadata); DVC by hashes.
The hard-linked cache (.dvc/config) keeps each file's time through a plain `dvc commit` or `checkout`,
except in two cases:
- `dvc pull` on another machine writes files with the time of the download, in no particular order,
  and there is no `.snakemake/` metadata there: Snakemake would plan most jobs again;
- two jobs that wrote byte-identical files share one cache object, hence one time.
DVC, though, checks every file against `dvc.lock`. Once the tree matches it (`dvc status` clean, or
just committed after Snakemake had nothing left to do), it is up to date by construction, and
Snakemake's own `--touch --forceall` dates every output in the DAG's order and records each job's
metadata, so later config edits still rerun what reads them. If a check fails nothing is touched:
marking a stale output as fresh would hide the change from Snakemake.
"""

from __future__ import annotations

import subprocess
import sys

from reasoniqa import UserError


def _tool(args: list[str], what: str, capture: bool = False) -> str:
    """Run dvc or snakemake from this environment; a failure is the user's to read (its output shown)."""
    proc = subprocess.run([sys.executable, "-m", *args], capture_output=capture, text=True)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-1:] if capture else []
        raise UserError(f"{what} failed (exit {proc.returncode}){': ' + tail[0] if tail else '; see above'}")
    return (proc.stdout + proc.stderr) if capture else ""


def changed_stages() -> list[str]:
    """Stages whose deps or outs differ from dvc.lock (empty when the workspace matches it)."""
    from dvc.repo import Repo

    with Repo(".") as repo:
        return sorted(repo.status())


def _shown(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def snakemake_is_done(configs: list[str]) -> bool:
    out = _tool(["snakemake", "-n", "--cores", "1", "--configfile", *configs], "snakemake -n", capture=True)
    return "Nothing to be done" in out


def date_for_snakemake(configs: list[str]) -> None:
    """Every output dated in the DAG's order, every job's metadata recorded; nothing runs. A file shared
    with a later job (one cache object) keeps the later time, which can leave a reader of the earlier
    job's output looking older: a second pass touches just what is then planned."""
    touch = ["snakemake", "--touch", "--cores", "1", "--quiet", "all", "--configfile", *configs]
    _tool([*touch, "--forceall"], "snakemake --touch")
    if not snakemake_is_done(configs):
        _tool(touch, "snakemake --touch")
        if not snakemake_is_done(configs):
            raise UserError("Snakemake still plans jobs after dating the recorded tree; see `snakemake -n`")


def record(configs: list[str]) -> None:
    """Record a finished Snakemake run in DVC (`dvc commit -f`), then keep Snakemake's view of it.

    If Snakemake plans jobs but the workspace already matches dvc.lock, the plan is the time artifact
    above (shared cache objects after a checkout): nothing to record, only to date."""
    if snakemake_is_done(configs):
        _tool(["dvc", "commit", "-f", "-q"], "dvc commit")
    elif changed := changed_stages():
        raise UserError(f"Snakemake still has jobs to run and {len(changed)} stage(s) differ from dvc.lock "
                        f"({_shown(changed)}): finish the run (`snakemake`) before recording it")
    date_for_snakemake(configs)


def restore(command: list[str], configs: list[str]) -> None:
    """A DVC command that writes the workspace (`pull`, `checkout`); then, if the workspace matches
    dvc.lock, date it for Snakemake."""
    _tool(["dvc", *command], f"dvc {command[0]}")
    changed = changed_stages()
    if changed:
        raise UserError(f"after dvc {command[0]}, {len(changed)} stage(s) differ from dvc.lock ({_shown(changed)}); "
                        "nothing was marked up to date for Snakemake: run `dvc repro` to rebuild them")
    date_for_snakemake(configs)
