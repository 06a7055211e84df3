"""reasoniqa: reasoned, stable blind image quality assessment with vision-language models.

The package is the logic; Snakemake and DVC only call its CLI (`reasoniqa <step>`).
Heavy imports (torch, transformers) live inside the steps so `reasoniqa --help` stays fast.
"""

__version__ = "0.1.0"

# Training stages (a method's stages are its own: reasoniqa.methods). Importing this costs nothing.
STAGES = ["one_stage", "stage1", "stage2"]


class UserError(Exception):
    """A mistake in the user's input (config, paths, data): reported as one line, exit code 2."""
