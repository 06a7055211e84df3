"""project files"""

from __future__ import annotations

from reasoniqa.cli.common import configs, log


def readme(a):
    from reasoniqa.readme import refresh

    log.info("README blocks rewritten from %s: %s", a.snapshot,
             ", ".join(refresh(a.readme, a.snapshot, a.results, configs(a), a.keep_snapshot)))


def dvc_yaml(a):
    from reasoniqa.dvcgen import write_dvc_yaml

    write_dvc_yaml(configs(a), a.out)


def dvc_record(a):
    from reasoniqa.dvcsync import record

    committed = record(configs(a))
    log.info("%s; Snakemake and DVC both see the tree up to date",
             "recorded in dvc.lock" if committed else "already recorded in dvc.lock (dated for Snakemake only)")


def dvc_pull(a):
    from reasoniqa.dvcsync import restore

    restore(["pull", *(["--remote", a.remote] if a.remote else [])], configs(a))
    log.info("pulled; the workspace matches dvc.lock and Snakemake sees it up to date")


def dvc_checkout(a):
    from reasoniqa.dvcsync import restore

    restore(["checkout"], configs(a))
    log.info("checked out; the workspace matches dvc.lock and Snakemake sees it up to date")


def config_doc(a):
    from reasoniqa.config_doc import render
    from reasoniqa.io import write_text

    write_text(a.out, render())
    log.info("wrote %s from the config schema", a.out)


def add_steps(step):
    s = step("readme", readme, "write the README's result tables from a finished run (via a committed snapshot)")
    s.add_argument("--results", default="results")
    s.add_argument("--snapshot", default="docs/results", help="committed copy of the tables the README shows")
    s.add_argument("--readme", default="README.md")
    s.add_argument("--keep-snapshot", action="store_true", help="re-render from the snapshot as it is")

    s = step("dvc-yaml", dvc_yaml, "generate dvc.yaml from the Snakemake DAG")
    s.add_argument("--out", default="dvc.yaml", help="output path, or - for stdout")

    step("dvc-record", dvc_record, "record a finished Snakemake run in DVC (dvc commit), Snakemake agreeing")
    s = step("dvc-pull", dvc_pull, "dvc pull, then date the pulled tree for Snakemake (once it matches dvc.lock)")
    s.add_argument("--remote", help="the DVC remote to pull from (default: the default remote)")

    step("dvc-checkout", dvc_checkout, "dvc checkout, then date the restored tree for Snakemake (as dvc-pull)")

    s = step("config-doc", config_doc, "write config/README.md (every key) from the config schema")
    s.add_argument("--out", default="config/README.md")
