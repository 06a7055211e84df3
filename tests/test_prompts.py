"""Conversations come from the model's chat template; the answer ids the trainer trains are the ids the
scorer reads, for byte-level BPE and SentencePiece-style (Metaspace) tokenizers alike."""

import pytest

from reasoniqa.batching import IGNORE, encode_record
from reasoniqa.levels import level_token_ids
from reasoniqa.model.families.llava import CHAT_TEMPLATE as LLAVA_CHAT_TEMPLATE
from reasoniqa.model.tokenizer import TemplateOnly
from reasoniqa.prompts import Prompts, level_answer


def test_llava_template_renders_llava_15_conversations(test_cfg):
    """The format llava-hf/llava-1.5 checkpoints are trained on (and the embedded default used before
    templates): the tiny model's prompts are byte-identical to it."""
    p, t = Prompts(test_cfg, TemplateOnly(LLAVA_CHAT_TEMPLATE)), test_cfg["prompts"]
    assert p.rate() == f"USER: <image>\n{t['rate']} ASSISTANT: {t['answer_prefix']}"
    assert p.describe() == ("USER: <image>\nDescribe the sharpness, noise, compression, exposure and contrast of this "
                            "image. ASSISTANT:")  # the default question names the described features
    assert p.infer("Sharp.") == f"USER: {t['infer']}\nSharp.\n{t['rate']} ASSISTANT: {t['answer_prefix']}"
    assert p.described_rating("Sharp.") == f"USER: <image>\n{t['describe_and_rate']} ASSISTANT: Sharp. {t['answer_prefix']}"


def test_the_describe_question_names_the_configured_features(test_cfg):
    p = Prompts({**test_cfg, "labels": {**test_cfg["labels"], "features": ["noise", "blur"]}},
                TemplateOnly(LLAVA_CHAT_TEMPLATE))
    assert "Describe the sharpness and noise of this image." in p.describe()
    fixed = {**test_cfg, "prompts": {**test_cfg["prompts"], "describe": "What do you see?"}}
    assert "What do you see? ASSISTANT:" in Prompts(fixed, TemplateOnly(LLAVA_CHAT_TEMPLATE)).describe()


def test_a_template_ending_in_a_newline_gets_no_extra_space(test_cfg):
    chatml = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{% for c in m['content'] %}"
              "{% if c['type'] == 'image' %}<|image_pad|>{% else %}{{ c['text'] }}{% endif %}{% endfor %}"
              "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
    p = Prompts(test_cfg, TemplateOnly(chatml))
    assert p.rate().endswith("<|im_start|>assistant\nThe quality of the image is")
    assert p.record_texts({"turn": "describe", "description": "Sharp.", "level": "good"})[1] == "Sharp."


def test_a_processor_without_a_template_is_refused(test_cfg):
    from reasoniqa import UserError

    with pytest.raises(UserError, match="no chat template"):
        Prompts(test_cfg, TemplateOnly(""))


def _sentencepiece_tokenizer(corpus, style):
    """SentencePiece-style BPEs built here with `tokenizers`: 'metaspace' (a Metaspace pre-tokenizer, as
    newer conversions write) or 'llama' (Llama-2's tokenizer.json: a normalizer that prepends '▁' to
    every text and turns spaces into '▁', no pre-tokenizer)."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    if style == "metaspace":
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first")
        tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="first")
    else:
        tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
        tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    if style == "llama":  # sentencepiece learns no merge across words: train split at '▁', then drop it
        tok.pre_tokenizer = pre_tokenizers.Split("▁", behavior="merged_with_next")
    tok.train_from_iterator(corpus * 20, trainer=trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<unk>", "<s>", "</s>", "<pad>"], show_progress=False))
    if style == "llama":
        tok.pre_tokenizer = pre_tokenizers.Sequence([])
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", bos_token="<s>", eos_token="</s>",
                                   pad_token="<pad>")


class TextProcessor:
    """A text-only processor around a tokenizer (what encode_record asks of a processor)."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer

    def __call__(self, text, images=None, return_tensors=None):
        return self.tokenizer(text, return_tensors=return_tensors, add_special_tokens=False)


@pytest.mark.parametrize("kind", ["llama", "metaspace", "byte_level"])
def test_trainer_and_scorer_use_the_ids_of_prompt_and_answer_tokenized_together(kind, test_cfg, tiny_model):
    from reasoniqa.model.load import load_base

    words = test_cfg["levels"]["words"]
    prompts = Prompts(test_cfg, TemplateOnly(LLAVA_CHAT_TEMPLATE))
    record = {"turn": "infer", "description": "Edges are sharp.", "level": "excellent"}
    prompt, answer = prompts.record_texts(record)
    if kind == "byte_level":
        tok = load_base(tiny_model, test_cfg)[1].tokenizer
    else:
        tok = _sentencepiece_tokenizer([prompt + level_answer(w) for w in words], kind)
    item = encode_record(TextProcessor(tok), prompts, record)
    joint = tok(prompt + answer, add_special_tokens=False)["input_ids"]
    n_prompt = len(tok(prompt, add_special_tokens=False)["input_ids"])
    assert item["input_ids"] == joint + [tok.eos_token_id]
    assert item["labels"][:n_prompt] == [IGNORE] * n_prompt and item["labels"][n_prompt:] == joint[n_prompt:] + [tok.eos_token_id]
    # the scorer reads the trained answer's first token, for every level
    ids = level_token_ids(tok, words, prompt)
    assert ids[words.index("excellent")] == joint[n_prompt]
    assert len(set(ids)) == len(words)
    if kind == "llama":  # what this guards against: the answer tokenized alone starts with another token
        assert tok(answer, add_special_tokens=False)["input_ids"][0] != joint[n_prompt]
