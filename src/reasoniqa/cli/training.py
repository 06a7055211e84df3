"""training"""

from __future__ import annotations

from reasoniqa import STAGES
from reasoniqa.cli.common import cfg, log


def train(a):
    from reasoniqa.train import train

    log.info("train stats: %s", train(cfg(a), a.base, a.records, a.seed, a.out, a.checkpoints, stage=a.stage))


def merge(a):
    from reasoniqa.train import merge_adapter

    merge_adapter(cfg(a), a.base, a.adapter, a.out)
    log.info("merged %s into %s -> %s", a.adapter, a.base, a.out)


def add_steps(step):
    s = step("train", train, "LoRA-tune the base model on records (resumes from checkpoints)")
    s.add_argument("--base", required=True, help="base model folder or id")
    s.add_argument("--records", nargs="+", required=True)
    s.add_argument("--seed", type=int, required=True)
    s.add_argument("--out", required=True, help="adapter folder")
    s.add_argument("--checkpoints", required=True, help="checkpoint folder (kept across runs for resume)")
    s.add_argument("--stage", default="one_stage", choices=STAGES,
                   help="one_stage: the full budget; stage1/stage2: the two-stage split of it")

    s = step("merge", merge, "fold a LoRA adapter into its base model (stage 1 -> stage 2 base)")
    s.add_argument("--base", required=True)
    s.add_argument("--adapter", required=True)
    s.add_argument("--out", required=True)
