"""A fifth method, as a user would add one: one class, registered, plus its name in the config.

zero_shot_desc: the untrained base model describes the image and rates it in one answer (one_stage_desc's
contexts, no training). Importing this module registers it.
"""

from reasoniqa.methods import REGISTRY, OneStageDesc


class ZeroShotDesc(OneStageDesc):
    name = "zero_shot_desc"
    one_run_records = None  # nothing to train: the base model's own answers


REGISTRY[ZeroShotDesc.name] = ZeroShotDesc()
