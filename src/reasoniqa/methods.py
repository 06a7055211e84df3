"""The methods, one class each: how it is trained, what it reads and writes, where its artifacts live.

- zero_shot       the base model, image + rating prompt -> level                (no training)
- one_stage       LoRA on image + rating prompt -> level                          (Q-Align-style)
- one_stage_desc  LoRA on image -> description, then the level in one answer      (Q-Instruct-style)
- two_stage       stage 1: image -> description; stage 2: description alone -> level (the paper)

Scoring, sampling, the lens, the intervention test, predict, the Snakemake rules and the experiments ask
the method (`get_method(name)`); none of them tests a method's name. A new method is one subclass here,
registered in REGISTRY, plus its name in the config's `methods`.
"""

from __future__ import annotations

from reasoniqa import UserError
from reasoniqa.layout import Layout
from reasoniqa.prompts import Prompts


class Method:
    name = ""
    describes = False  # writes a description before its rating
    one_run_records: str | None = None  # trained in one LoRA run on these records (None: see `stages`)
    stages: tuple[str, ...] = ()  # trained in stages, each merged into the base of the next

    @property
    def trained(self) -> bool:
        return bool(self.one_run_records or self.stages)

    def model_paths(self, layout: Layout, seed, base: str) -> tuple[str, str | None]:
        """(base model, adapter) the method infers with; `base` is the workflow's base model."""
        return base, (layout.adapter(self.name, seed) if self.trained else None)

    def rating_contexts(self, cfg: dict, processor, descriptions: list[str]) -> tuple[list[str], bool]:
        """Prompts ending at the quality token (for given descriptions), and whether the image is in
        the context: what the lens and the intervention test read."""
        return [Prompts(cfg, processor).rate()] * len(descriptions), True

    def rate_descriptions(self, cfg: dict, model, processor, paths: list[str], descriptions: list[str],
                          progress: bool = True):
        """[N, L] level probabilities when the rating reads the given descriptions instead of the model's
        own (the ceiling: a perfect stage 1's descriptions); methods without descriptions refuse."""
        from reasoniqa.scoring import level_probabilities

        if not self.describes:
            raise UserError(f"method {self.name!r} writes no description: nothing to replace")
        prompts, with_image = self.rating_contexts(cfg, processor, descriptions)
        return level_probabilities(model, processor, prompts, paths if with_image else None,
                                   cfg["levels"]["words"], cfg["predict"]["batch_size"], progress)

    def score(self, cfg: dict, model, processor, paths: list[str], progress: bool = True):
        """(descriptions, [N, L] level probabilities) for image files."""
        from reasoniqa.scoring import level_probabilities

        prompts, _ = self.rating_contexts(cfg, processor, [""] * len(paths))
        return [""] * len(paths), level_probabilities(model, processor, prompts, paths, cfg["levels"]["words"],
                                                      cfg["predict"]["batch_size"], progress)

    def sample(self, cfg: dict, model, processor, paths: list[str], temperature: float,
               progress: bool = True) -> list[dict]:
        """Per image: K sampled levels (and the descriptions they came with, for describing methods)."""
        from reasoniqa.sampling import parse_level, sample_continuations, sampling_common

        answers = sample_continuations(model, processor, [Prompts(cfg, processor).rate()] * len(paths), paths,
                                       max_new_tokens=cfg["instability"]["rating_tokens"],
                                       **sampling_common(cfg, temperature, progress))
        words = cfg["levels"]["words"]
        return [{"levels": [parse_level(a, words) for a in row], "descriptions": []} for row in answers]


class ZeroShot(Method):
    name = "zero_shot"


class OneStage(Method):
    name = "one_stage"
    one_run_records = "one_stage"


class OneStageDesc(Method):
    """Q-Instruct-style: the description and the level in one answer, the image in context throughout."""

    name = "one_stage_desc"
    describes = True
    one_run_records = "one_stage_desc"

    def rating_contexts(self, cfg, processor, descriptions):
        prompts = Prompts(cfg, processor)
        return [prompts.described_rating(d) for d in descriptions], True

    def score(self, cfg, model, processor, paths, progress=True):
        from reasoniqa.sampling import description_part
        from reasoniqa.scoring import generate_texts, level_probabilities

        bs = cfg["predict"]["batch_size"]
        raw = generate_texts(model, processor, [Prompts(cfg, processor).describe_and_rate()] * len(paths), paths, bs,
                             cfg["predict"]["max_new_tokens"], progress)
        descriptions = [description_part(t, cfg["prompts"]["answer_prefix"]) for t in raw]
        prompts, _ = self.rating_contexts(cfg, processor, descriptions)
        return descriptions, level_probabilities(model, processor, prompts, paths, cfg["levels"]["words"], bs,
                                                 progress)

    def sample(self, cfg, model, processor, paths, temperature, progress=True):
        from reasoniqa.sampling import description_part, parse_level, sample_continuations, sampling_common

        prefix, words = cfg["prompts"]["answer_prefix"], cfg["levels"]["words"]
        answers = sample_continuations(
            model, processor, [Prompts(cfg, processor).describe_and_rate()] * len(paths), paths,
            max_new_tokens=cfg["predict"]["max_new_tokens"] + cfg["instability"]["rating_tokens"],
            **sampling_common(cfg, temperature, progress))
        return [{"levels": [parse_level(a, words, prefix) for a in row],
                 "descriptions": [description_part(a, prefix) for a in row]} for row in answers]


class TwoStage(Method):
    """The paper's method. The merged stage-1 model (adapter disabled) describes the image; the
    stage-2 adapter on top of it rates from the description alone: no image in its input."""

    name = "two_stage"
    describes = True
    stages = ("stage1", "stage2")

    def model_paths(self, layout, seed, base):
        return layout.merged_model(self.name, seed, "stage1"), layout.stage_adapter(self.name, seed, "stage2")

    def rating_contexts(self, cfg, processor, descriptions):
        prompts = Prompts(cfg, processor)
        return [prompts.infer(d) for d in descriptions], False

    def score(self, cfg, model, processor, paths, progress=True):
        from reasoniqa.scoring import generate_texts, level_probabilities

        bs = cfg["predict"]["batch_size"]
        with model.disable_adapter():
            descriptions = generate_texts(model, processor, [Prompts(cfg, processor).describe()] * len(paths), paths, bs,
                                          cfg["predict"]["max_new_tokens"], progress)
        prompts, _ = self.rating_contexts(cfg, processor, descriptions)
        return descriptions, level_probabilities(model, processor, prompts, None, cfg["levels"]["words"], bs,
                                                 progress)

    def sample(self, cfg, model, processor, paths, temperature, progress=True):
        """K full chains per image: K sampled descriptions, then one sampled level from each."""
        from reasoniqa.sampling import parse_level, sample_continuations, sampling_common

        common = sampling_common(cfg, temperature, progress)
        k, n = common["k"], len(paths)
        with model.disable_adapter():
            descriptions = sample_continuations(model, processor, [Prompts(cfg, processor).describe()] * n, paths,
                                                max_new_tokens=cfg["predict"]["max_new_tokens"], **common)
        prompts, _ = self.rating_contexts(cfg, processor, [d for row in descriptions for d in row])
        levels = sample_continuations(model, processor, prompts, None,
                                      max_new_tokens=cfg["instability"]["rating_tokens"],
                                      **{**common, "k": 1, "batch_size": common["batch_size"] * k})
        flat = [parse_level(row[0], cfg["levels"]["words"]) for row in levels]
        return [{"levels": flat[i * k : (i + 1) * k], "descriptions": descriptions[i]} for i in range(n)]


REGISTRY: dict[str, Method] = {m.name: m for m in (ZeroShot(), OneStage(), OneStageDesc(), TwoStage())}


def get_method(name: str) -> Method:
    if name not in REGISTRY:
        raise UserError(f"unknown method {name!r} (known: {', '.join(REGISTRY)})")
    return REGISTRY[name]
