"""The VLM families the package runs natively (transformers 5, no remote code), one module each:
how to build the family's tiny random-init model here (the embedded default, and the tests), its
paper-scale checkpoint, and what it does differently at inference (positions, generation state).

Everything else (scoring, sampling, lens, training) is shared: prompts come from the model's own chat
template (reasoniqa.prompts), image spans from `config.image_token_id`, inputs from its processor.
"""

from __future__ import annotations

from reasoniqa import UserError


class Family:
    name = ""
    model_types: tuple[str, ...] = ()  # `config.model_type` of its checkpoints
    paper_model = ""  # the paper-scale checkpoint (config/paper*.yaml)

    def build_tiny(self, cfg: dict, out) -> None:
        """Tokenizer, processor (with the family's chat template) and random-init model from
        `cfg['model']['embedded']`, saved to `out` with save_pretrained."""
        raise NotImplementedError

    def prefill_positions(self, mask):
        """Position ids of a left-padded prompt prefilled by hand (shared-prefix sampling), or None
        where the model derives them itself from the attention mask."""
        from reasoniqa.sampling import padded_positions

        return padded_positions(mask)

    def repeat_generation_state(self, model, k: int) -> None:
        """Per-row state the model keeps between a prefill and generate(), repeated for K samples."""


# Checkpoints that need remote code written for transformers 4.x: refused with the reason.
NOT_NATIVE = {
    "mplug_owl2": "mPLUG-Owl2 (the Q-Instruct / Q-Align checkpoints) ships remote code written for "
                  "transformers 4.x, which does not load under transformers 5",
}


def registry() -> dict[str, Family]:
    from reasoniqa.model.families.llava import Llava

    return {f.name: f for f in (Llava(),)}


def get_family(name: str) -> Family:
    families = registry()
    if name not in families:
        raise UserError(f"unknown model family {name!r} (known: {', '.join(families)})")
    return families[name]


def family_of(config) -> Family:
    """The family of a loaded model's config (by model_type)."""
    for family in registry().values():
        if config.model_type in family.model_types:
            return family
    raise UserError(f"model type {config.model_type!r} is not a supported family "
                    f"(native: {', '.join(registry())})")


def refuse_not_native(model_type: str, source) -> None:
    if model_type in NOT_NATIVE:
        native = ", ".join(f"{f.name} ({f.paper_model})" for f in registry().values())
        raise UserError(f"{source}: {NOT_NATIVE[model_type]}; use a native family instead: {native}")
