"""The VLM families the package runs natively (transformers 5, no remote code), one module each:
how to build the family's tiny random-init model here (the embedded default, and the tests), its
paper-scale checkpoint, and what it does differently at inference (positions, generation state).

Everything else (scoring, sampling, lens, training) is shared: prompts come from the model's own chat
template (reasoniqa.prompts), image spans from `config.image_token_id`, inputs from its processor.
"""

from __future__ import annotations

import functools
import logging

from reasoniqa import UserError


class Family:
    name = ""
    model_types: tuple[str, ...] = ()  # `config.model_type` of its checkpoints
    paper_model = ""  # the paper-scale checkpoint (config/paper*.yaml)
    projector = ""  # the vision-to-language projector module (trained in full: train.modules_to_save)
    vision_tower = "vision_tower"  # the vision encoder's module (stage 0 of the embedded base trains it)

    # The paper-scale checkpoint's sizes, as `model.embedded` keys (from its published config.json; the
    # GPU benchmark builds this shape with random weights: no weights are read).
    paper_dims: dict = {}

    def build(self, cfg: dict):
        """(model, processor): the family's tokenizer (trained here), processor with its chat template,
        and a random-init model at `cfg['model']['embedded']`'s sizes."""
        raise NotImplementedError

    def build_tiny(self, cfg: dict, out, stamp: bool = False) -> None:
        """`build`, saved to `out` (loads back through the Auto classes; `stamp`: a workflow output)."""
        from reasoniqa.model.load import save_model

        save_model(*self.build(cfg), out, stamp=stamp)

    def load_processor(self, source, trust_remote_code: bool):
        """AutoProcessor, as for any checkpoint; where it cannot build the family's processor (a video
        processor needs torchvision, absent here), the family's image-only processor: all that rating
        images uses."""
        from transformers import AutoProcessor

        try:
            processor = AutoProcessor.from_pretrained(source, trust_remote_code=trust_remote_code)
        except (OSError, ValueError, ImportError) as exc:
            fallback = self.image_only_processor(source)
            if fallback is None:
                raise
            logging.getLogger("reasoniqa").info("%s: AutoProcessor failed (%s); loaded the image-only %s "
                                                "processor", source, str(exc).splitlines()[0], self.name)
            return fallback
        if not hasattr(processor, "image_processor"):  # AutoProcessor may return a bare tokenizer
            processor = self.image_only_processor(source)
            if processor is None:
                raise UserError(f"{source}: AutoProcessor found no image processor (a tokenizer only)")
        return processor

    def image_only_processor(self, source):
        """The processor rebuilt from its saved parts without a video processor (None: no such variant)."""
        return None

    def prefill_positions(self, inputs: dict):
        """Position ids of a left-padded prompt prefilled by hand (shared-prefix sampling), numbered as
        generate() numbers the continuation; None where the model derives them itself."""
        from reasoniqa.sampling import padded_positions

        return padded_positions(inputs["attention_mask"])

    def reset_generation_state(self, model) -> None:
        """Forget per-row state an earlier batch left in the model, before a prefill done by hand."""

    def repeat_generation_state(self, model, k: int) -> None:
        """Per-row state the model keeps between a prefill and generate(), repeated for K samples."""


def image_only(processor_class, init=None):
    """`processor_class` under its own name without its video processor (which needs torchvision).
    `init` (default: image processor, tokenizer, chat template) names the image processor, the tokenizer
    and the processor's settings but no video processor, since transformers reads the sub-processors
    and the settings off __init__: save_pretrained keeps only the settings __init__ names, and
    from_pretrained loads only the sub-processors it names and passes back only the settings it names."""
    if init is None:
        def init(self, image_processor=None, tokenizer=None, chat_template=None, **kwargs):
            processor_class.__init__(self, image_processor, tokenizer, None, chat_template=chat_template, **kwargs)

    return type(processor_class.__name__, (processor_class,),
                {"__init__": init, "__module__": processor_class.__module__})


# Checkpoints that need remote code written for transformers 4.x: refused with the reason.
NOT_NATIVE = {
    "mplug_owl2": "mPLUG-Owl2 (the Q-Instruct / Q-Align checkpoints) ships remote code written for "
                  "transformers 4.x, which does not load under transformers 5",
}


@functools.cache  # asked per batch (sampling): build the family objects once
def registry() -> dict[str, Family]:
    from reasoniqa.model.families.internvl import InternVL
    from reasoniqa.model.families.llava import Llava
    from reasoniqa.model.families.llava_onevision import LlavaOnevision
    from reasoniqa.model.families.qwen import Qwen2_5_VL, Qwen3_VL

    return {f.name: f for f in (Llava(), Qwen2_5_VL(), Qwen3_VL(), LlavaOnevision(), InternVL())}


def get_family(name: str) -> Family:
    families = registry()
    if name not in families:
        raise UserError(f"unknown model family {name!r} (known: {', '.join(families)})")
    return families[name]


def family_of(model_type: str) -> Family:
    """The family of a checkpoint's `config.model_type`; a model of another native type is run as a
    generic family (Auto classes, 1D positions), which LLaVA-like models follow."""
    for family in registry().values():
        if model_type in family.model_types:
            return family
    return Family()


def refuse_not_native(model_type: str, source) -> None:
    if model_type in NOT_NATIVE:
        native = ", ".join(f"{f.name} ({f.paper_model})" for f in registry().values())
        raise UserError(f"{source}: {NOT_NATIVE[model_type]}; use a native family instead: {native}")
