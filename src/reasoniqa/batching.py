"""Turn conversation records into model inputs: prompt through the processor, answer-only labels."""

from __future__ import annotations

from reasoniqa.images import load_image

IGNORE = -100


def batch_starts(n: int, size: int, desc: str, progress: bool):
    """Start index of every batch of `size` over n items, with a progress bar."""
    from tqdm import tqdm

    return tqdm(range(0, n, size), desc=desc, disable=not progress)


def encode_batch(processor, texts: list[str], image_paths: list[str] | None, start: int, **kwargs):
    """The processor's inputs for a batch of prompts starting at `start`, with the images at the same
    positions of `image_paths` (None: text only). The caller moves them to the model (reasoniqa.device)."""
    images = [load_image(p) for p in image_paths[start : start + len(texts)]] if image_paths else None
    return processor(text=texts, images=images, return_tensors="pt", padding=True, **kwargs)


def per_token(value, input_ids) -> bool:
    """Whether a processor output has one entry per token (Qwen's mm_token_type_ids), as the ids do,
    rather than per image (pixel values, image grids)."""
    return value.shape[:2] == input_ids.shape


def encode_record(processor, prompts, record: dict) -> dict:
    """Token ids of prompt + answer + eos, labels masking the prompt, and pixel values if any. The
    answer's ids are read from the prompt and answer tokenized together, as the scorer sees them (a
    tokenizer may tokenize a word differently at the start of a text than after another word)."""
    import torch

    from reasoniqa import UserError

    prompt, answer = prompts.record_texts(record)
    images = [load_image(record["image"])] if record.get("image") else None
    enc = processor(text=[prompt], images=images, return_tensors="pt")
    prompt_ids = enc["input_ids"][0].tolist()
    tok = processor.tokenizer
    alone = tok(prompt, add_special_tokens=False)["input_ids"]
    joint = tok(prompt + answer, add_special_tokens=False)["input_ids"]
    if joint[: len(alone)] != alone:
        raise UserError(f"the tokenizer merges the end of the prompt with the answer {answer!r}: "
                        "the answer cannot be masked apart from the prompt")
    answer_ids = joint[len(alone):] + [tok.eos_token_id]
    item = {
        "input_ids": prompt_ids + answer_ids,
        "labels": [IGNORE] * len(prompt_ids) + answer_ids,
    }
    # the processor's other outputs: per-token ones (Qwen's mm_token_type_ids) are padded with the ids,
    # per-image ones (pixel values, image grids) concatenated over the batch
    for key, value in enc.items():
        if key in ("input_ids", "attention_mask"):
            continue
        if per_token(value, enc["input_ids"]):
            item.setdefault("per_token", {})[key] = value[0].tolist() + [0] * len(answer_ids)
        else:
            item.setdefault("per_image", {})[key] = value.to(torch.float32) if value.is_floating_point() else value
    return item


def _pad_tiles(tensors: list) -> list:
    """Per-image tensors [1, tiles, ...] with different tile counts (LLaVA-OneVision's AnyRes: the count
    follows the aspect ratio) zero-padded to the most tiles, as its processor pads a batch; the model
    reads the real count from image_sizes. Anything else as it is."""
    import torch.nn.functional as F

    if len({t.shape[1:] for t in tensors}) <= 1 or len({t.dim() for t in tensors}) != 1 or tensors[0].dim() < 4:
        return tensors
    most = max(t.shape[1] for t in tensors)
    return [F.pad(t, (0, 0) * (t.dim() - 2) + (0, most - t.shape[1])) for t in tensors]


def stack_images(per_image: list[dict]) -> dict:
    """One batch's vision inputs from each image's own (processor output of one image): concatenated along
    the first axis, which is the image axis or, for Qwen-VL's flat patch rows, the patch axis."""
    import torch

    return {key: torch.cat(_pad_tiles([one[key] for one in per_image])) for key in per_image[0]}


def collate(items: list[dict], pad_id: int) -> dict:
    """Right-pad a training batch (the loss ignores padding; no last-position reads here)."""
    import torch

    width = max(len(it["input_ids"]) for it in items)
    ids = torch.full((len(items), width), pad_id, dtype=torch.long)
    labels = torch.full((len(items), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(items), width), dtype=torch.long)
    for i, it in enumerate(items):
        n = len(it["input_ids"])
        ids[i, :n] = torch.tensor(it["input_ids"])
        labels[i, :n] = torch.tensor(it["labels"])
        mask[i, :n] = 1
    batch = {"input_ids": ids, "attention_mask": mask, "labels": labels}
    for key in items[0].get("per_token", {}):
        batch[key] = torch.zeros((len(items), width), dtype=torch.long)
        for i, it in enumerate(items):
            batch[key][i, : len(it["per_token"][key])] = torch.tensor(it["per_token"][key])
    if items[0].get("per_image"):
        batch.update(stack_images([it["per_image"] for it in items]))
    return batch


def item_bytes(item: dict) -> int:
    """Memory an encoded record holds: its tensors' bytes plus 8 per token id and label."""
    size = 0
    for value in item.values():
        if hasattr(value, "nbytes"):
            size += value.nbytes
        elif isinstance(value, dict):
            size += item_bytes(value)
        elif isinstance(value, list):
            size += 8 * len(value)
    return size


class EncodedRecords:
    """Training records, each encoded (image decoded, resized, tokenized) on first use and kept while the
    kept ones fit in `budget_bytes`; past that, the least recently used is dropped and re-encoded when
    drawn again. The embedded default's training set fits (each record encoded once, as when all were
    encoded up front); KonIQ's 7,046 training images at 336 px (~9.5 GB of float32 pixels) do not, and
    memory stays bounded whatever the dataset size. Encoding is deterministic, so training is the same
    whatever the budget (tested)."""

    def __init__(self, encode, records: list[dict], budget_bytes: float):
        from collections import OrderedDict

        self.encode, self.records, self.budget = encode, records, budget_bytes
        self.kept: OrderedDict[int, dict] = OrderedDict()
        self.kept_bytes = 0
        self.encoded = 0  # encodings done (a record dropped and drawn again counts twice)

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, i: int) -> dict:
        if i in self.kept:
            self.kept.move_to_end(i)
            return self.kept[i]
        item = self.encode(self.records[i])
        self.encoded += 1
        size = item_bytes(item)
        while self.kept and self.kept_bytes + size > self.budget:
            self.kept_bytes -= item_bytes(self.kept.popitem(last=False)[1])
        if size <= self.budget:
            self.kept[i] = item
            self.kept_bytes += size
        return item
