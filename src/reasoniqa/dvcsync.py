"""Recording a Snakemake run in DVC, and restoring it (`dvc pull` elsewhere, `dvc checkout`), with
both tools agreeing on one tree.

Snakemake dates outputs by their modification times (and its `.snakemake/` metadata); DVC by hashes.
The hard-linked cache (.dvc/config) keeps each file's time through a plain `dvc commit` or `checkout`,
except in two cases:
- `dvc pull` on another machine writes files with the time of the download, in no particular order,
  and there is no `.snakemake/` metadata there: Snakemake would plan most jobs again;
- two jobs that wrote byte-identical files share one cache object, hence one time.
DVC, though, checks every file against `dvc.lock`. Once the tree matches it, it is up to date by
construction, and Snakemake's own `--touch --forceall` dates every output in the DAG's order and
records each job's metadata, so later config edits still rerun what reads them. Before dating, three
checks, any of which refuses in one line with nothing touched (marking a stale output as fresh would
hide the change from Snakemake): `dvc.yaml` is the one these configs and rules generate (else DVC
would not see an edit Snakemake sees); `dvc status` is clean (or the run was just committed after
Snakemake had nothing to do); and whatever Snakemake plans, it plans only because of file times.
"""

from __future__ import annotations

import subprocess
import sys

from reasoniqa import UserError


def _tool(args: list[str], what: str, show: bool = False) -> str:
    """Run dvc or snakemake from this environment, its output captured (`show`: passed through, e.g. a
    pull's progress); a failure raises one line, after the tool's last lines of output."""
    proc = subprocess.run([sys.executable, "-m", *args], capture_output=not show, text=True)
    out = "" if show else proc.stdout + proc.stderr
    if proc.returncode != 0:
        sys.stderr.write("".join(out.splitlines(keepends=True)[-15:]))
        raise UserError(f"{what} failed (exit {proc.returncode}); its output is above")
    return out


def changed_stages() -> list[str]:
    """Stages whose deps or outs differ from dvc.lock (empty when the workspace matches it)."""
    from dvc.exceptions import DvcException
    from dvc.repo import Repo

    try:
        with Repo(".") as repo:
            return sorted(repo.status())
    except DvcException as exc:  # not a DVC repository, another dvc holding the lock, a missing params file
        raise UserError(f"dvc status: {exc}") from None


def _shown(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _differ(changed: list[str]) -> str:
    return f"{len(changed)} stage(s) differ from dvc.lock ({_shown(changed)})"


# Snakemake's reasons (the parts of a job's `reason:` line, joined by "; ") that say only that a file
# looks older than an input, of this job or an upstream one
TIME_REASONS = ("Updated input files", "Input files updated by another job")


def planned_reasons(configs: list[str]) -> list[str]:
    """Why Snakemake would run the jobs it plans (`snakemake -n`); empty when it has nothing to do."""
    return parse_reasons(_tool(["snakemake", "-n", "--cores", "1", "--configfile", *configs], "snakemake -n"))


def parse_reasons(dry_run: str) -> list[str]:
    """The parts of every planned job's reason (Snakemake joins a job's reasons with "; "), from the
    output of `snakemake -n`."""
    import re

    if "Nothing to be done" in dry_run:
        return []
    lines = re.findall(r"^\s*reason: (.*)$", dry_run, re.M | re.I) or ["(unparsed)"]
    return [part for line in lines for part in re.split(r"; (?=[A-Z])", line)]


def refuse_unless(reasons: list[str], allowed: tuple[str, ...], advice: str) -> None:
    other = sorted({r for r in reasons if not r.startswith(allowed)})
    if other:
        raise UserError(f"Snakemake plans jobs ({_shown(other)}): {advice}; nothing was recorded or marked "
                        "up to date")


def check_dvc_yaml(configs: list[str]) -> None:
    """dvc.yaml must be what these configs and rules generate: else DVC tracks other params or commands
    than Snakemake, and a clean `dvc status` says nothing about what Snakemake would rerun."""
    from pathlib import Path

    from reasoniqa.dvcgen import render_dvc_yaml

    if not Path("dvc.yaml").is_file() or Path("dvc.yaml").read_text() != render_dvc_yaml(configs):
        raise UserError(f"dvc.yaml is not the one generated from {' + '.join(configs)} and the rules: run "
                        "`reasoniqa dvc-yaml` with the same --config files (then `dvc repro`) first")


def date_for_snakemake(configs: list[str]) -> None:
    """Every output dated in the DAG's order, every job's metadata recorded; nothing runs. A file shared
    with a later job (one cache object) keeps the later time, which can leave a reader of the earlier
    job's output looking older: a second pass touches just what is then planned. Then one `dvc status`,
    which re-hashes what the new times invalidated in DVC's state and checks the tree is still clean."""
    touch = ["snakemake", "--touch", "--cores", "1", "--configfile", *configs]
    _tool([*touch, "--forceall"], "snakemake --touch")
    if planned_reasons(configs):
        _tool(touch, "snakemake --touch")
        if planned_reasons(configs):
            raise UserError("Snakemake still plans jobs after dating the recorded tree; see `snakemake -n`")
    if changed := changed_stages():
        raise UserError(f"dvc status after dating: {_shown(changed)} changed; see `dvc status`")


def record(configs: list[str]) -> bool:
    """Record a finished Snakemake run in DVC (`dvc commit -f`), then keep Snakemake's view of it.
    Returns whether it committed: if Snakemake plans jobs only for file times and the workspace already
    matches dvc.lock (shared cache objects after a checkout), there is nothing to record, only to date."""
    check_dvc_yaml(configs)
    reasons = planned_reasons(configs)
    if reasons:
        refuse_unless(reasons, TIME_REASONS, "finish the run (`snakemake`) first, or pass the run's --config files")
        if changed := changed_stages():
            raise UserError(f"Snakemake still has jobs to run and {_differ(changed)}: finish the run "
                            "(`snakemake`) before recording it")
    else:
        _tool(["dvc", "commit", "-f", "-q"], "dvc commit")
    date_for_snakemake(configs)
    return not reasons


def restore(command: list[str], configs: list[str]) -> None:
    """A DVC command that writes the workspace (`pull`, `checkout`); then, if the workspace matches
    dvc.lock, date it for Snakemake."""
    check_dvc_yaml(configs)
    _tool(["dvc", *command], f"dvc {command[0]}", show=True)
    changed = changed_stages()
    if changed:
        raise UserError(f"after dvc {command[0]}, {_differ(changed)}; "
                        "nothing was marked up to date for Snakemake: run `dvc repro` to rebuild them, then "
                        "`reasoniqa dvc-record`")
    # Changed params or code here come from the metadata of another run (e.g. after `git checkout` of an
    # older dvc.lock): DVC has just checked them against dvc.lock, and the dating rewrites the metadata.
    refuse_unless(planned_reasons(configs), (*TIME_REASONS, "Params have changed", "Code has changed",
                                              "Set of input files has changed", "Software environment"),
                   "outputs missing after the restore; run `dvc repro`, then `reasoniqa dvc-record`")
    date_for_snakemake(configs)
