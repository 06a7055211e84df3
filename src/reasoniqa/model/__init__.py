"""Models: the embedded tiny LLaVA, and loading any base through the AutoModel path a 7B model takes."""
