"""A real one-node Slurm cluster for the tests: Debian's Slurm (slurmctld, slurmd, munge), started by
hand (no systemd), with a `cpu` (default) and a `gpu` partition and one fake GPU (`Gres=gpu:1` backed
by a character device, so jobs asking `--gpus=1` get `CUDA_VISIBLE_DEVICES=0`).

    python tests/slurm_cluster.py start    # install if missing (root + apt), start, wait for the node
    python tests/slurm_cluster.py status   # exit 0 when the node answers
    python tests/slurm_cluster.py stop     # stop the daemons by their PIDs

No slurmdbd: Snakemake's slurm plugin must poll with `--slurm-status-command squeue`. Without systemd
the daemons run in the foreground (-D), munged as the munge user; srun inside a job reads only
/etc/slurm/slurm.conf; a GPU gres needs a device file (a count-only one drains the node).
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

STATE = Path("/var/run/reasoniqa-slurm")  # PID files of the daemons this script started
CONF = Path("/etc/slurm/slurm.conf")  # srun inside a job reads this path, whatever SLURM_CONF says
GPU_DEVICE = Path("/dev/reasoniqa_fake_gpu0")
PACKAGES = ["slurmctld", "slurmd", "slurm-client", "munge"]
DAEMONS = ("munged", "slurmctld", "slurmd")


def why_not() -> str | None:
    """Why this machine cannot run the test cluster (None when it can)."""
    if os.geteuid() != 0:
        return "not root: the test cluster's daemons (munge, slurmctld, slurmd) need root"
    if not (shutil.which("slurmctld") or shutil.which("apt-get")):
        return "Slurm is not installed and apt-get is absent"
    return None


def install():
    if installed():
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *PACKAGES]
    if subprocess.run(command, env=env, stdout=subprocess.DEVNULL).returncode != 0:  # stale package lists
        subprocess.run(["apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL)
        subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)


def installed() -> bool:
    return all(shutil.which(b) for b in ("slurmctld", "slurmd", "sbatch", "munged"))


def slurm_conf(host: str, cpus: int, mem_mb: int) -> str:
    return f"""\
ClusterName=reasoniqa-test
SlurmctldHost={host}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MailProg=/bin/true
SchedulerParameters=sched_interval=1
MinJobAge=300
ReturnToService=2
SlurmdParameters=config_overrides
GresTypes=gpu
NodeName={host} CPUs={cpus} RealMemory={mem_mb} Gres=gpu:1 State=UNKNOWN
PartitionName=cpu Nodes={host} Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes={host} MaxTime=INFINITE State=UP
"""


def node_ready() -> bool:
    if shutil.which("sinfo") is None:  # a fresh machine: Slurm not installed yet
        return False
    out = subprocess.run(["sinfo", "-h", "-N", "-o", "%t"], capture_output=True, text=True)
    return out.returncode == 0 and out.stdout.strip().split() != [] and all(
        s.rstrip("*") in {"idle", "mix", "alloc"} for s in out.stdout.split())


def start(cpus: int = 8, mem_mb: int = 16000, timeout_s: float = 60):
    reason = why_not()
    if reason:
        sys.exit(f"cannot start the test cluster: {reason}")
    if node_ready():
        return
    install()
    host = socket.gethostname()
    for d in ("/var/spool/slurmctld", "/var/spool/slurmd", "/var/log/slurm", "/run/munge"):
        Path(d).mkdir(parents=True, exist_ok=True)
    shutil.chown("/run/munge", "munge", "munge")
    CONF.parent.mkdir(parents=True, exist_ok=True)
    CONF.write_text(slurm_conf(host, cpus, mem_mb))
    # a count-only GPU gres drains the node ("Removing file-less GPU"): back it with a device file
    if not GPU_DEVICE.exists():
        subprocess.run(["mknod", str(GPU_DEVICE), "c", "1", "3"], check=True)
    (CONF.parent / "gres.conf").write_text(f"NodeName={host} Name=gpu File={GPU_DEVICE}\n")
    STATE.mkdir(parents=True, exist_ok=True)
    log = open(STATE / "daemons.log", "ab")
    commands = {
        "munged": ["setpriv", "--reuid=munge", "--regid=munge", "--init-groups", "munged", "-F"],
        "slurmctld": ["slurmctld", "-D", "-i"],
        "slurmd": ["slurmd", "-D"],
    }
    for name, cmd in commands.items():
        proc = subprocess.Popen(cmd, stdout=log, stderr=log, start_new_session=True)
        (STATE / f"{name}.pid").write_text(str(proc.pid))
        time.sleep(1.0 if name == "munged" else 0.5)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if node_ready():
            return
        time.sleep(0.5)
    stop()
    sys.exit(f"the test cluster's node did not become idle in {timeout_s:.0f} s; see {STATE / 'daemons.log'} "
             "and /var/log/slurm/")


def stop():
    for name in reversed(DAEMONS):
        pid_file = STATE / f"{name}.pid"
        if not pid_file.exists():
            continue
        try:
            os.killpg(int(pid_file.read_text()), signal.SIGTERM)
        except ProcessLookupError:
            pass
        pid_file.unlink()


if __name__ == "__main__":
    action = sys.argv[1] if len(sys.argv) > 1 else "status"
    if action == "start":
        start()
        print("test cluster up:", subprocess.run(["sinfo", "-N"], capture_output=True, text=True).stdout.strip())
    elif action == "stop":
        stop()
    elif action == "status":
        sys.exit(0 if node_ready() else 1)
    else:
        sys.exit(f"unknown action {action!r}: start, stop or status")
