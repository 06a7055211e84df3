"""The SLURM profile through snakemake-executor-plugin-slurm: on a real one-node Slurm cluster
(tests/slurm_cluster.py; needs root and Debian's packages) and, where that cannot run, against fake
sbatch/squeue/sacct/scancel (tests/slurm_shim/) that record each submission and run the job locally."""

import filecmp
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import slurm_cluster
import yaml
from project import copy_project, run

from reasoniqa.config import load_config
from reasoniqa.resources import GPU_RULES as MODEL_RULES
from reasoniqa.resources import job_resources

GPU_RULES = {"train", "score_split", "sample_split", "analyze_split"}  # must be among the jobs; the partition
# of every job follows reasoniqa.resources.GPU_RULES (MODEL_RULES here)
CPU_RULES = {"synthesize", "features", "classical_split"}
LOCAL_RULES = {"correlations", "lens_figure", "metrics", "plot_scatter", "all"}  # the Snakefile's localrules
# The plugin polls with sacct by default, which waits forever without slurmdbd; fast polling for tests.
POLL = ["--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "1",
        "--seconds-between-status-checks", "1"]


def small_config(root, work):
    """The test config with fewer jobs (same rules), partitions named as the test cluster's."""
    cfg = yaml.safe_load((root / "config/test.yaml").read_text())
    cfg.update(methods=["one_stage"], test_datasets=["synth_spaq"])
    cfg["classical"]["methods"] = ["piqe"]
    cfg["resources"] = {"cpu_partition": "cpu", "gpu_partition": "gpu", "base_mem_mb": 1000}
    (work / "config/slurm_test.yaml").write_text(yaml.safe_dump(cfg))
    return ["--configfile", "config/slurm_test.yaml"]


@pytest.fixture(scope="module")
def cluster():
    reason = slurm_cluster.why_not()
    if reason:
        pytest.skip(f"no real Slurm test cluster: {reason}")
    started = not slurm_cluster.node_ready()
    if started:
        try:
            slurm_cluster.install()
        except subprocess.CalledProcessError as exc:  # e.g. no network for apt
            pytest.skip(f"no real Slurm test cluster: installing Debian's Slurm failed ({exc})")
    slurm_cluster.start()
    yield
    if started:  # leave a cluster that CI started before the suite to CI
        slurm_cluster.stop()


def real_slurm_jobs(work) -> list[dict]:
    """Every job the cluster still remembers (MinJobAge=300 s) that ran in `work`, as scontrol's fields."""
    out = subprocess.run(["scontrol", "show", "job", "-d", "-o"], capture_output=True, text=True, check=True).stdout
    jobs = [dict(re.findall(r"(\S+?)=(\S*)", line)) for line in out.splitlines() if line.strip()]
    return [j for j in jobs if j.get("WorkDir") == str(work)]


def rule_of(job: dict) -> str:
    return re.match(r"rule_([a-z0-9_]+?)(_wildcards_|$)", job["Comment"]).group(1)


# the whole real-cluster test (measured ~130 s alone, up to ~200 s beside the other pytest worker); past it
# every Snakemake it started is killed
LIMIT_S = 480


def test_real_slurm_runs_the_workflow_like_a_local_run_and_resubmits_a_killed_job(cluster, root, tmp_path,
                                                                                   venv_bin, request):
    work = copy_project(root, tmp_path / "slurm")
    local = copy_project(root, tmp_path / "local")
    flags = small_config(root, work)
    small_config(root, local)
    env = dict(os.environ, PATH=f"{venv_bin}{os.pathsep}{os.environ['PATH']}", TQDM_DISABLE="1")
    profile = [str(venv_bin / "snakemake"), "--workflow-profile", "workflow/profiles/slurm", *flags, *POLL,
               "--slurm-keep-successful-logs"]
    deadline = time.monotonic() + LIMIT_S
    started = []

    def launch(cmd, cwd, name):  # output to a file: a pipe nobody reads would block Snakemake when full
        log = open(tmp_path / f"{name}.log", "w")
        started.append(subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True))
        return started[-1]

    def finish(proc, name):
        """Exit status and output of a run; killed outright (SIGKILL to its process group) at the deadline."""
        try:
            proc.wait(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"{name} still running at the test's {LIMIT_S} s limit: killed")
        return proc.returncode, (tmp_path / f"{name}.log").read_text()

    def clean_up():
        for proc in started:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
        for job in real_slurm_jobs(work):  # jobs a killed Snakemake left on the cluster
            if job["JobState"] in {"PENDING", "RUNNING"}:
                subprocess.run(["scancel", job["JobId"]])

    request.addfinalizer(clean_up)

    # 3. (started first: it runs while the Slurm jobs wait on the plugin's status polls) the same config
    #    run locally, to compare tables with
    local_run = launch([str(venv_bin / "snakemake"), "--cores", "1", "--resources", "gpu=1", *flags], local, "local")

    # 1. A job killed inside Slurm (scancel, as a preemption or a time limit would) fails the workflow,
    #    naming the rule.
    proc = launch([*profile, "--retries", "0"], work, "killed")
    killed = None
    while killed is None and time.monotonic() < deadline and proc.poll() is None:
        queue = subprocess.run(["squeue", "-h", "-o", "%i %k %T"], capture_output=True, text=True).stdout
        for job_id, comment, state in (line.split() for line in queue.splitlines() if line.strip()):
            if comment.startswith("rule_train_") and state == "RUNNING":
                subprocess.run(["scancel", job_id], check=True)
                killed = job_id
        time.sleep(0.3)
    returncode, output = finish(proc, "killed")
    assert killed, f"no train job was seen running:\n{output[-3000:]}"
    assert returncode != 0
    assert re.search(r"Error in rule train", output), output[-3000:]
    assert not (work / "results/adapters/one_stage/seed0/adapter_model.safetensors").exists()

    # 2. Rerun: the killed job is resubmitted, the workflow completes.
    returncode, output = finish(launch(profile, work, "rerun"), "rerun")
    assert returncode == 0, output[-3000:]
    jobs = real_slurm_jobs(work)
    by_rule = {}
    for job in jobs:
        by_rule.setdefault(rule_of(job), []).append(job)
    assert [j["JobState"] for j in by_rule["train"]] == ["CANCELLED", "COMPLETED"], by_rule["train"]
    assert GPU_RULES | CPU_RULES <= set(by_rule)
    assert not LOCAL_RULES & set(by_rule)  # jobs of seconds stay on the submitting machine
    for rule, rule_jobs in by_rule.items():
        for job in rule_jobs:
            if rule in MODEL_RULES:  # a GPU granted on the gpu partition
                assert job["Partition"] == "gpu" and job.get("TresPerJob") == "gres:gpu:1", (rule, job)
                if job["JobState"] == "COMPLETED":  # the step saw Slurm's grant (reasoniqa.device says so)
                    assert "CUDA_VISIBLE_DEVICES=0" in Path(job["StdOut"]).read_text(), job["StdOut"]
            else:
                assert job["Partition"] == "cpu" and "gpu" not in job.get("TresPerJob", ""), (rule, job)
    # memory as reasoniqa.resources sizes it from the config: base_mem_mb, plus the encoding budget of
    # training jobs (the embedded model's weights add nothing)
    cfg = load_config([root / "config/config.yaml", work / "config/slurm_test.yaml"])
    for job in jobs:
        assert job["MinMemoryNode"] == f"{job_resources(cfg, rule_of(job))['mem_mb']}M", job
    assert {j["MinMemoryNode"] for j in by_rule["score_split"]} == {"1000M"}

    # 3. The local run gives byte-identical tables.
    returncode, output = finish(local_run, "local")
    assert returncode == 0, output[-3000:]
    tables = sorted(p.relative_to(local) for p in (local / "results/tables").iterdir())
    assert tables == sorted(p.relative_to(work) for p in (work / "results/tables").iterdir())
    for table in tables:
        assert filecmp.cmp(work / table, local / table, shallow=False), table


def test_slurm_profile_submits_gpu_jobs_with_one_gpu_and_completes(root, tmp_path, venv_bin):
    """The submitted arguments, against fake sbatch/squeue (no cluster needed): run where the real cluster
    cannot, since the real-cluster test checks the same through `scontrol show job`."""
    if slurm_cluster.why_not() is None and slurm_cluster.installed():
        pytest.skip("covered by the real-Slurm test on this machine")
    work = copy_project(root, tmp_path / "work")
    state = tmp_path / "slurm"
    state.mkdir()
    flags = small_config(root, work)
    run([venv_bin / "snakemake", "--workflow-profile", "workflow/profiles/slurm", *flags, *POLL[2:]], work, venv_bin,
        path_prefix=str(root / "tests/slurm_shim"), SLURM_SHIM_DIR=str(state))
    assert (work / "results/tables/table1_correlations.csv").is_file()
    assert (work / "results/figures/fig3_logit_lens.png").is_file()
    submissions = {}
    for line in (state / "submissions.log").read_text().splitlines():
        if line.startswith("scancel"):
            continue
        _, args = line.split("\t", 1)
        rule = re.search(r"--comment rule_([a-z0-9_]+?)(_wildcards_|\s)", args + " ").group(1)
        submissions.setdefault(rule, []).append(args)
    assert GPU_RULES <= set(submissions)
    assert CPU_RULES <= set(submissions)
    assert not LOCAL_RULES & set(submissions)
    # heavy jobs record their time and memory (`benchmark:`)
    assert list((work / "results/benchmarks/jobs/train/one_stage").glob("seed0.tsv"))
    cfg = load_config([root / "config/config.yaml", work / "config/slurm_test.yaml"])
    for rule, calls in submissions.items():
        for args in calls:
            if rule in MODEL_RULES:
                assert re.search(r"--gpus=1\b", args) and "-p gpu" in args, (rule, args)
            else:
                assert "--gpus" not in args and "gres" not in args and "-p cpu" in args, (rule, args)
            assert f"--mem {job_resources(cfg, rule)['mem_mb']}" in args, args


def test_cluster_script_refuses_clearly_without_root(root, venv_bin):
    if os.geteuid() == 0:
        pytest.skip("running as root")
    proc = subprocess.run([sys.executable, root / "tests/slurm_cluster.py", "start"], capture_output=True, text=True)
    assert proc.returncode != 0 and "not root" in proc.stderr and "Traceback" not in proc.stderr
