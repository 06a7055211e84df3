"""The SLURM profile through snakemake-executor-plugin-slurm, with fake sbatch/squeue/sacct/scancel
(tests/slurm_shim/) that record each submission and run the job locally."""

import re

import yaml
from project import copy_project, run


def test_slurm_profile_submits_gpu_jobs_with_one_gpu_and_completes(root, tmp_path, venv_bin):
    work = copy_project(root, tmp_path / "work")
    state = tmp_path / "slurm"
    state.mkdir()
    cfg = yaml.safe_load((root / "config/test.yaml").read_text())
    cfg.update(methods=["zero_shot", "one_stage"], test_datasets=["synth_spaq"])  # fewer jobs, same rules
    cfg["classical"]["methods"] = ["piqe"]
    (work / "config/slurm_test.yaml").write_text(yaml.safe_dump(cfg))
    run([venv_bin / "snakemake", "--workflow-profile", "workflow/profiles/slurm", "--configfile",
         "config/slurm_test.yaml", "--slurm-init-seconds-before-status-checks", "1",
         "--seconds-between-status-checks", "1"], work, venv_bin, path_prefix=str(root / "tests/slurm_shim"),
        SLURM_SHIM_DIR=str(state))
    assert (work / "results/tables/table1_correlations.csv").is_file()
    assert (work / "results/figures/fig3_logit_lens.png").is_file()
    submissions = {}
    for line in (state / "submissions.log").read_text().splitlines():
        if line.startswith("scancel"):
            continue
        _, args = line.split("\t", 1)
        rule = re.search(r"--comment rule_([a-z0-9_]+?)(_wildcards_|\s)", args + " ").group(1)
        submissions.setdefault(rule, []).append(args)
    gpu_rules = {"train", "score_split", "sample_split", "analyze_split"}
    assert gpu_rules <= set(submissions)
    assert {"synthesize", "features", "classical_split"} <= set(submissions)
    # jobs of seconds run on the submitting machine (the Snakefile's localrules), not through sbatch
    assert not {"correlations", "lens_figure", "metrics", "plot_scatter", "all"} & set(submissions)
    # heavy jobs record their time and memory (`benchmark:`)
    assert list((work / "results/benchmarks/jobs/train/one_stage").glob("seed0.tsv"))
    for rule, calls in submissions.items():
        for args in calls:
            if rule in gpu_rules:
                assert re.search(r"--gpus=1\b", args), (rule, args)
            else:
                assert "--gpus" not in args and "gres" not in args, (rule, args)
    assert all("-p gpu" in a for a in submissions["train"] + submissions["score_split"])
