"""dvc.yaml is generated from the Snakemake DAG; it must be current."""

from pathlib import Path

import pytest
import yaml

from reasoniqa.dvcgen import render_dvc_yaml
from reasoniqa.io import SNAKEMAKE_STAMP


def test_committed_dvc_yaml_matches_snakemake_dag(root, monkeypatch):
    monkeypatch.chdir(root)
    fresh = render_dvc_yaml("config/config.yaml")
    committed = (root / "dvc.yaml").read_text()
    assert fresh == committed, "dvc.yaml is stale: run `make dvc-yaml`"


@pytest.fixture(scope="module")
def site_dag(root, tmp_path_factory):
    """The DAG's jobs and the config under a site file setting one rule's runtime and the partitions."""
    from reasoniqa.config import load_config
    from reasoniqa.dvcgen import dag_jobs

    site = tmp_path_factory.mktemp("site") / "site.yaml"
    site.write_text(yaml.safe_dump({"resources": {"runtime_min": {"default": 30, "score_split": 77},
                                                  "gpu_partition": "gpu", "cpu_partition": "cpu"}}))
    files = ["config/config.yaml", str(site)]
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        return dag_jobs(files), load_config([root / f for f in files])


def test_every_job_reruns_on_edits_of_the_config_sections_it_reads(site_dag):
    """A rule that reads config sections (reasoniqa.rule_config) carries their values as its `sections`
    param, so Snakemake reruns it on the same edits as DVC."""
    from reasoniqa.rule_config import section_names, section_values

    jobs, cfg = site_dag
    for job in jobs:
        if job["rule"] != "all" and section_names(job["rule"], cfg, job["wildcards"]):
            assert job["params"].get("sections") == section_values(job["rule"], cfg, job["wildcards"]), job["rule"]
    assert any(j["rule"] == "calibrate" for j in jobs)


def test_every_job_asks_the_scheduler_what_reasoniqa_resources_sizes(site_dag):
    """Rules (an inheriting `use rule` too) ask reasoniqa.resources for their own name: a runtime set for
    one rule is that rule's alone."""
    from reasoniqa.resources import job_resources

    jobs, cfg = site_dag
    jobs = [j for j in jobs if not j["local"]]
    assert {"train", "score_split", "score_ladders", "features"} <= {j["rule"] for j in jobs}
    for job in jobs:
        expected = job_resources(cfg, job["rule"])
        assert {k: job["resources"].get(k) for k in expected} == expected, job["rule"]
    runtimes = {j["rule"]: j["resources"]["runtime"] for j in jobs}
    assert runtimes["score_split"] == 77 and runtimes["score_ladders"] == 30


def test_every_stage_command_is_a_reasoniqa_step_with_its_outputs(root):
    stages = yaml.safe_load((root / "dvc.yaml").read_text())["stages"]
    rules = {name.split("__")[0] for name in stages}
    assert {"synthesize", "labels", "build_model", "train", "score_split", "correlations", "plot_scatter",
             "sample_split", "analyze_split", "instability", "grounding", "lens_figure"} <= rules
    for name, stage in stages.items():
        assert stage["cmd"].startswith("reasoniqa "), name
        outs = stage.get("outs", []) + [next(iter(o)) for o in stage.get("metrics", []) + stage.get("plots", [])]
        assert any(out in stage["cmd"] or str(Path(out).parent) in stage["cmd"] for out in outs), name
        # a folder another stage writes is depended on through its stamp (dvcgen.stamp_path)
        deps = [dep.removesuffix("/" + SNAKEMAKE_STAMP) for dep in stage.get("deps", [])]
        assert all(dep in stage["cmd"] for dep in deps), name


def test_a_folder_written_by_a_stage_is_read_through_its_stamp(root):
    """Readers of a stage's folder depend on the folder's stamp, never on the folder (DVC would hash its
    files once per reader); each stamp belongs to a folder some stage writes."""
    stages = yaml.safe_load((root / "dvc.yaml").read_text())["stages"]
    folders = {out for stage in stages.values() for out in stage.get("outs", []) if not Path(out).suffix}
    deps = {dep for stage in stages.values() for dep in stage.get("deps", [])}
    stamps = {dep for dep in deps if dep.endswith("/" + SNAKEMAKE_STAMP)}
    assert "resources/synth_koniq/" + SNAKEMAKE_STAMP in stamps
    assert not deps & folders, deps & folders
    assert {s.removesuffix("/" + SNAKEMAKE_STAMP) for s in stamps} <= folders


def test_snakemake_lint_is_clean(root, venv_bin):
    import subprocess

    proc = subprocess.run([venv_bin / "snakemake", "--lint"], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_snakefmt_leaves_the_rules_unchanged(root, venv_bin):
    import subprocess

    proc = subprocess.run([venv_bin / "snakefmt", "--check", "Snakefile", "workflow/rules"], cwd=root,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_metrics_and_figures_are_shown_and_cached_by_dvc(root):
    """Shown by `dvc metrics` / `dvc plots`, and cached like every output (results/ is not in git), so
    `dvc pull` brings them to another machine."""
    import yaml

    dvc = yaml.safe_load((root / "dvc.yaml").read_text())
    shown = [entry for s in dvc["stages"].values() for entry in s.get("metrics", []) + s.get("plots", [])]
    assert all(isinstance(entry, str) for entry in shown), [e for e in shown if not isinstance(e, str)]
    metrics = [m for s in dvc["stages"].values() for m in s.get("metrics", [])]
    images = [p for s in dvc["stages"].values() for p in s.get("plots", [])]
    assert "results/metrics.json" in metrics
    assert "results/figures/fig3_logit_lens.png" in images and "results/figures/fig5_attention.png" in images
    assert {next(iter(p)) for p in dvc["plots"]} == {"results/plots/correlations.csv", "results/plots/instability.csv"}


def test_dvcignore_agrees_with_gitignore(root):
    """What git ignores and DVC does not track as an output (environments, run bookkeeping) DVC ignores too."""
    def patterns(name):
        lines = (root / name).read_text().splitlines()
        return {ln.strip().strip("/") for ln in lines if ln.strip() and not ln.startswith("#")}

    tracked_outputs = {"results", "resources"}  # DVC stage outputs: git ignores them, DVC tracks them
    assert patterns(".gitignore") - tracked_outputs <= patterns(".dvcignore")


def test_every_rule_has_one_entry_in_the_config_section_table(root):
    """Snakemake's params and dvc.yaml's params both come from reasoniqa.rule_config: each rule of the
    workflow has its entry there (and no entry names a rule that is gone)."""
    import re

    from reasoniqa.rule_config import RULE_CONFIG

    rules = {m for f in (root / "workflow/rules").glob("*.smk")
             for found in re.findall(r"^\s*(?:rule (\w+):|use rule \w+ as (\w+))", f.read_text(), re.M)
             for m in found if m}  # `rule NAME:` or `use rule PARENT as NAME`
    assert rules == set(RULE_CONFIG)
    schema = yaml.safe_load((root / "src/reasoniqa/schemas/config.schema.yaml").read_text())
    dag_shaping = {"seeds", "methods", "train_datasets", "test_datasets"}  # inputs and outputs, not params
    sections = "|".join(k for k in schema["properties"] if k not in dag_shaping)
    for f in (root / "workflow/rules").glob("*.smk"):  # no param reads a config section beside the table
        assert not re.search(rf"^\s+\w+=config\[\"({sections})\"\]", f.read_text(), re.M), f.name


def test_config_sections_do_not_depend_on_key_order():
    from reasoniqa.rule_config import section_values

    a = {"prompts": {"rate": "x", "answer_prefix": "y"}, "levels": {"words": ["a", "b"], "weights": [1, 2]}}
    b = {"levels": {"weights": [1, 2], "words": ["a", "b"]}, "prompts": {"answer_prefix": "y", "rate": "x"}}
    assert section_values("labels", a) == section_values("labels", b)
    assert section_values("labels", a) != section_values("labels", {**a, "prompts": {"rate": "z", "answer_prefix": "y"}})


def test_every_tracked_param_is_set_in_the_file_dvc_reads_it_from(root, monkeypatch):
    """With overrides (base + paper), a key goes to the file that sets it: DVC fails on a missing one."""
    import yaml

    from reasoniqa.dvcgen import _sets

    monkeypatch.chdir(root)
    files = ["config/config.yaml", "config/paper.yaml"]
    docs = {f: yaml.safe_load((root / f).read_text()) for f in files}
    stages = yaml.safe_load(render_dvc_yaml(files))["stages"]
    seen = set()
    for name, stage in stages.items():
        for entry in stage.get("params", []):
            (path, keys), = entry.items()
            for key in keys:
                assert _sets(docs[path], key), (name, path, key)
                seen.add((path, key))
    assert ("config/paper.yaml", "datasets.koniq") in seen and ("config/config.yaml", "prompts") in seen
    # a real checkpoint's stages track its source, not the embedded model's sizes the base file carries
    assert ("config/paper.yaml", "model.source") in seen
    assert not {("config/config.yaml", "model"), ("config/config.yaml", "model.embedded")} & seen


def test_the_embedded_model_s_sizes_rerun_the_embedded_tree_only(root):
    """Editing model.embedded changes what a model step reads (Snakemake's params, DVC's, the training
    fingerprint) for the embedded default, and nothing for a real checkpoint's config."""
    import copy

    from reasoniqa.config import load_config, section_hash
    from reasoniqa.rule_config import section_values
    from reasoniqa.train import trained_sections

    for files, follows in ((["config/config.yaml"], True), (["config/config.yaml", "config/paper.yaml"], False)):
        cfg = load_config([root / f for f in files])
        edited = copy.deepcopy(cfg)
        edited["model"]["embedded"]["text_layers"] += 1
        for rule in ("build_model", "train_stage2", "score_split"):
            assert (section_values(rule, cfg) != section_values(rule, edited)) == follows, (files, rule)
        assert (section_hash(*trained_sections(cfg)) != section_hash(*trained_sections(edited))) == follows, files


def test_the_described_features_rerun_the_steps_that_name_them_and_no_others(root):
    import copy

    from reasoniqa.config import load_config
    from reasoniqa.rule_config import section_names, section_values

    cfg = load_config([root / "config/config.yaml"])
    edited = copy.deepcopy(cfg)
    edited["labels"]["features"] = ["blur", "noise"]
    for rule in ("calibrate", "labels", "build_model", "train_stage1", "score_split", "grounding",
                 "examples_figure", "feature_quality_figure"):
        assert section_values(rule, cfg) != section_values(rule, edited), rule
    for rule in ("validate_features", "ceiling", "features", "fit_classical"):  # the ceiling reads the calibration
        assert section_values(rule, cfg) == section_values(rule, edited), rule
    names = section_names("labels", cfg)
    assert "labels" in names and "labels.features" not in names and len(names) == len(set(names))


def test_a_params_change_behind_a_time_reason_is_not_taken_for_file_times():
    """Snakemake joins a job's reasons with "; ", time reasons first: every part must be a time reason
    for `dvc-record` to date the tree without running the job (reasoniqa.dvcsync)."""
    import pytest

    from reasoniqa import UserError
    from reasoniqa.dvcsync import TIME_REASONS, parse_reasons, refuse_unless

    dry_run = """Building DAG of jobs...
Job stats:
job             count
------------  -------
correlations        1
total               1

[Sun Nov 29 18:16:48 2026]
rule correlations:
    input: results/predictions/one_stage/seed0/synth_koniq.csv
    output: results/tables/table1_correlations.csv
    jobid: 7
    reason: Input files updated by another job: results/predictions/one_stage/seed0/synth_koniq.csv; Params have changed since last execution: {'evaluate': '{"bootstrap": 150}'}
    resources: tmpdir=<TBD>
"""
    reasons = parse_reasons(dry_run)
    assert reasons == ["Input files updated by another job: results/predictions/one_stage/seed0/synth_koniq.csv",
                       "Params have changed since last execution: {'evaluate': '{\"bootstrap\": 150}'}"]
    with pytest.raises(UserError, match="Params have changed"):
        refuse_unless(reasons, TIME_REASONS, "finish the run")
    refuse_unless(reasons[:1], TIME_REASONS, "finish the run")  # times alone: allowed
    assert parse_reasons("Building DAG of jobs...\nNothing to be done (all requested files are present and up to date).") == []


@pytest.mark.parametrize("steps", [0, 7])
def test_the_embedded_base_is_vision_pretrained_between_build_and_training_only_when_asked(root, tmp_path, steps):
    """model.embedded.vision_pretrain.steps > 0: build_model writes the random base, pretrain_vision reads
    it with the training datasets' images and features and writes the base every method trains from;
    steps 0: build_model writes that base itself and there is no pretraining job."""
    from reasoniqa.dvcgen import dag_jobs

    site = tmp_path / "site.yaml"
    site.write_text(yaml.safe_dump({"model": {"embedded": {"vision_pretrain": {"steps": steps}}}}))
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)
        jobs = {j["rule"]: j for j in dag_jobs(["config/config.yaml", str(site)])}
    assert "results/models/base" in jobs["train"]["inputs"]
    if steps:
        assert jobs["build_model"]["outputs"] == ["results/models/base_random"]
        assert jobs["pretrain_vision"]["outputs"] == ["results/models/base"]
        assert {"results/models/base_random", "resources/synth_koniq", "results/features/synth_koniq.csv"} <= set(
            jobs["pretrain_vision"]["inputs"])
    else:
        assert jobs["build_model"]["outputs"] == ["results/models/base"] and "pretrain_vision" not in jobs
