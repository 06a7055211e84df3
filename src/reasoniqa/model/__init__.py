"""Models: the embedded tiny LLaVA, and loading any base through the AutoModel path a 7B model takes."""

import warnings

# peft reads transformers' deprecated `is_gradient_checkpointing` whenever it wraps a model (predict, merge,
# train): a FutureWarning about peft's code that no user can act on. Silenced by its message only, so
# every other warning still reaches the user.
warnings.filterwarnings("ignore", message=r"`is_gradient_checkpointing` is deprecated", category=FutureWarning)
