"""Generate dvc.yaml from the Snakemake DAG, so both orchestrators run the same commands.

Snakemake is the source: each job of its DAG becomes one DVC stage with the same command, deps and
outs.
A test regenerates the file and fails if the committed dvc.yaml differs.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from pathlib import Path

from reasoniqa import UserError
from reasoniqa.rule_config import section_names

SKIP_RULES = {"all"}
# Outputs DVC also shows: metrics (`dvc metrics show`) and plots (`dvc plots show`). They are cached like
# every output (results/ is not in git), so `dvc push` / `dvc pull` carry them to another machine.
METRICS = re.compile(r"^results/metrics(\.json|/.*\.json)$")
IMAGE_PLOTS = re.compile(r"^results/figures/.*\.png$")
# Data plots rendered by `dvc plots show` (written by the correlations and instability rules).
DATA_PLOTS = [
    {"results/plots/correlations.csv": {"template": "bar_horizontal", "x": "srcc", "y": "row",
                                        "title": "SRCC per method/dataset (mean over seeds)"}},
    {"results/plots/instability.csv": {"template": "bar_horizontal", "x": "disagreement", "y": "row",
                                       "title": "Pairwise disagreement of sampled answers per method/dataset"}},
]


def dag_jobs(configfiles: list[str], snakefile: str = "Snakefile") -> list[dict]:
    """Every job of the full DAG (as with --forceall): rule, inputs, outputs, shell command, params,
    resources.

    Uses Snakemake's API as its own `--filegraph` does; `--detailed-summary` cannot be used since it
    shows commands only for outputs that already exist.
    """
    if not Path(snakefile).is_file():
        raise UserError(f"no {snakefile} in {Path.cwd()}: run from the project root")
    # Snakemake's log records would also reach the handlers `reasoniqa` set up on the root logger (a step's
    # output is its own log lines and one-line errors): kept to Snakemake's own (silenced) handlers here.
    from snakemake_interface_common.exceptions import WorkflowError

    from reasoniqa.config import load_config

    load_config(configfiles)  # a config file missing or against the schema: one line naming the key
    snakemake_log = logging.getLogger("snakemake.logging")
    propagate, snakemake_log.propagate = snakemake_log.propagate, False
    try:
        return _dag_jobs(configfiles, snakefile)
    except WorkflowError as exc:  # anything else Snakemake refuses: its first two lines
        raise UserError("snakemake: " + " ".join(str(exc).strip().splitlines()[:2])) from None
    finally:
        snakemake_log.propagate = propagate


def _dag_jobs(configfiles: list[str], snakefile: str) -> list[dict]:
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import ConfigSettings, DAGSettings, OutputSettings, ResourceSettings

    with contextlib.redirect_stderr(io.StringIO()), SnakemakeApi(OutputSettings()) as api:
        workflow_api = api.workflow(
            resource_settings=ResourceSettings(cores=1),
            config_settings=ConfigSettings(configfiles=[Path(f) for f in configfiles]),
            snakefile=Path(snakefile),
        )
        dag_api = workflow_api.dag(dag_settings=DAGSettings(forceall=True))
        workflow = dag_api.workflow_api._workflow
        workflow._prepare_dag(forceall=True, ignore_incomplete=True, lock_warn_only=True)
        workflow._build_dag()
        return [
            {"rule": job.rule.name, "wildcards": dict(job.wildcards_dict), "inputs": [str(f) for f in job.input],
             "outputs": [str(f) for f in job.output], "cmd": job.shellcmd,
             "directories": [str(f) for f in job.output if f.is_directory],
             # what the job asks a scheduler for (none for a local rule, run on the submitting machine)
             "local": job.rule.name in workflow._localrules,
             "params": dict(job.params.items()),
             "resources": {k: v for k, v in job.resources.items() if not k.startswith("_")}}
            for job in workflow.dag.jobs
        ]


def stamp_path(folder: str) -> str:
    """What a stage depends on for a folder another stage writes: the folder's stamp, which carries the
    digest of the folder's content (reasoniqa.io.write_stamp), as Snakemake reads the folder through the
    same stamp. DVC would otherwise hash every file of the folder once per reading stage (a dataset: ~4k
    files, read by 27 stages); the writing stage still hashes its whole output, so a hand edit inside
    the folder shows as that stage's modified output."""
    from reasoniqa.io import SNAKEMAKE_STAMP

    return f"{folder}/{SNAKEMAKE_STAMP}"


def _stage_name(rule: str, first_output: str) -> str:
    slug = re.sub(r"^(results|resources)/", "", first_output)
    slug = re.sub(r"\.[A-Za-z0-9]+$", "", slug)
    return f"{rule}__" + re.sub(r"[^A-Za-z0-9_.-]+", "-", slug).strip("-")


def _sets(doc: dict, dotted: str) -> bool:
    """Whether a config file sets the dotted key."""
    for part in dotted.split("."):
        if not isinstance(doc, dict) or part not in doc:
            return False
        doc = doc[part]
    return True


def stages_from_jobs(jobs: list[dict], configfiles: list[str]) -> dict:
    """DVC stages of the jobs. A job's config sections (dotted keys) are tracked in each file that sets
    them: DVC reads a param from the file it names, and a key missing there is an error."""
    import yaml

    from reasoniqa.config import load_config

    docs = [yaml.safe_load(Path(f).read_text()) or {} for f in configfiles]
    merged = load_config(configfiles)
    folders = {d for job in jobs for d in job.get("directories", [])}
    stages = {}
    for job in sorted(jobs, key=lambda j: (j["rule"], sorted(j["outputs"]))):
        rule = job["rule"]
        if rule in SKIP_RULES or not job["cmd"]:
            continue
        outs = sorted(job["outputs"])
        entry = {"cmd": re.sub(r"\s+", " ", job["cmd"]).strip()}
        if job["inputs"]:
            entry["deps"] = sorted({stamp_path(f) if f in folders else f for f in job["inputs"]})
        sections = section_names(rule, merged, job.get("wildcards"))  # the table the rules' params use too
        params = [{f: [s for s in sections if _sets(doc, s)]} for f, doc in zip(configfiles, docs)]
        params = [p for p in params if next(iter(p.values()))]
        if params:
            entry["params"] = params
        kept = [o for o in outs if not METRICS.match(o) and not IMAGE_PLOTS.match(o)]
        if kept:
            entry["outs"] = kept
        for key, pattern in (("metrics", METRICS), ("plots", IMAGE_PLOTS)):
            shown = [o for o in outs if pattern.match(o)]
            if shown:
                entry[key] = shown
        stages[_stage_name(rule, outs[0])] = entry
    return stages


def write_dvc_yaml(configs: list[str], out: str) -> None:
    """dvc.yaml (or stdout for "-") from the config files (a base, then overrides)."""
    import sys

    from reasoniqa.io import write_text

    text = render_dvc_yaml(configs)
    if out == "-":
        sys.stdout.write(text)
    else:
        write_text(out, text)


def render_dvc_yaml(configfiles: list[str] | str = "config/config.yaml") -> str:
    import yaml

    configfiles = [configfiles] if isinstance(configfiles, str) else list(configfiles)
    stages = stages_from_jobs(dag_jobs(configfiles), configfiles)
    configfile = " + ".join(configfiles)
    header = ("# GENERATED from the Snakemake DAG by `reasoniqa dvc-yaml` (make dvc-yaml): do not edit.\n"
              f"# Config: {configfile}. tests/test_dvc_sync.py fails when this file is stale.\n")
    plots = [p for p in DATA_PLOTS if any(next(iter(p)) in s.get("outs", []) for s in stages.values())]
    return header + yaml.safe_dump({"stages": stages, "plots": plots}, sort_keys=False, width=1000)
