"""`LeanTokenizer` (tokenizers + jinja2, no transformers) gives what transformers' `AutoTokenizer`
gives on the same saved folder: ids, texts, rendered chat templates, special tokens."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from models.lm.local import EMBEDDED_NAME, embedded_gguf_path, newline_token_ids
from models.lm.tokenizer import LeanTokenizer
from tests.conftest import MODEL_CACHE

STRINGS = [
    "",
    " ",
    "a",
    "A lighthouse keeper's cat watching a storm, oil painting, dramatic light",
    "  leading and trailing spaces  ",
    "tabs\tand\nnewlines\n\n\r\nand carriage returns\r",
    "multiple     spaces   between\u00a0words (with a no-break space)",
    "émigré café naïve façade Ångström Øresund",
    "日本語のテキスト、中文文本，한국어 텍스트",
    "Привет, мир! Γειά σου κόσμε. مرحبا بالعالم. שלום עולם",
    "emoji: 🐈‍⬛ 👩🏽‍🚀 🏳️‍🌈 🇫🇷 ❤️🔥 😀😃😄",
    "combining: e\u0301 a\u0308 n\u0303 and zero-width: a\u200bb\u200dc\ufeff",
    "<|im_start|>user\nspecial tokens in text<|im_end|>\n<|endoftext|>",
    "<|im_start|><|im_start|> <|im_end|>x<|im_end|>",
    "code: def f(x):\n    return x ** 2  # comment\n\tif x: pass",
    "numbers 1234567890 3.14159 -42 1e-10 0xFF 1,000,000",
    "punctuation!!! ??? ... --- ___ *** ### @@@ $$$ %%% ^^^ &&& ((( )))",
    "URL https://example.com/path?q=a%20b&x=1#frag and e-mail a.b@c.de",
    "'quotes' \"double\" `backticks` «guillemets» „low“ ‘single’ “double”",
    "I'm, you're, it's, we've, they'll, don't, can't, won't",
    "Subject: a paper boat on a flooded street\nStyle: watercolor\nLight:",
    "\u2028line separator\u2029paragraph separator\x0bvertical tab\x0cform feed",
    "math ∑∫√∞≠≤≥ ± × ÷ → ← ⇒ ∀∃ ℝ ℕ",
    "a" * 300,
    " ".join(["word"] * 200),
]

CONVERSATIONS = [
    [{"role": "user", "content": "Write one image prompt about: a fox"}],
    [
        {"role": "system", "content": "You write vivid, concrete prompts for an image generator."},
        {"role": "user", "content": "Write one image prompt about: a lighthouse keeper's cat watching a storm"},
    ],
    [
        {"role": "system", "content": "Answer in one line."},
        {"role": "user", "content": "first turn 🐈"},
        {"role": "assistant", "content": "A cat on a windowsill, golden hour."},
        {"role": "user", "content": "  again, with  spaces\nand a newline  "},
        {"role": "assistant", "content": "日本語の答え"},
        {"role": "user", "content": "<|im_end|> inside content"},
    ],
    [{"role": "user", "content": ""}],
    [{"role": "assistant", "content": "an assistant opening"}, {"role": "user", "content": "then a user"}],
]


@pytest.fixture(scope="module")
def folder() -> Path:
    from models.lm import gguf_model

    return gguf_model.model_files(embedded_gguf_path(), MODEL_CACHE, EMBEDDED_NAME)


@pytest.fixture(scope="module")
def both(folder):
    from transformers import AutoTokenizer

    return LeanTokenizer.from_folder(folder), AutoTokenizer.from_pretrained(str(folder), local_files_only=True)


def test_ids_are_transformers_ids(both):
    lean, hf = both
    for text in STRINGS:
        for special in (False, True):
            ours = lean(text, add_special_tokens=special).input_ids
            assert ours == hf(text, add_special_tokens=special).input_ids, (text, special)
            assert ours == lean.encode(text, add_special_tokens=special) == hf.encode(text, add_special_tokens=special)
    assert len(lean("emoji: 🐈‍⬛", add_special_tokens=False).input_ids) > 3  # not a trivial comparison


def test_decoded_texts_are_transformers_texts(both):
    lean, hf = both
    rng = random.Random(7)
    sequences = [lean.encode(text, add_special_tokens=False) for text in STRINGS]
    sequences += [[rng.randrange(len(hf)) for _ in range(rng.randrange(1, 40))] for _ in range(200)]
    sequences.append([lean.eos_token_id, 28, lean.bos_token_id, 1000, lean.eos_token_id])
    for ids in sequences:
        for skip in (False, True):
            assert lean.decode(ids, skip_special_tokens=skip) == hf.decode(ids, skip_special_tokens=skip), (ids, skip)
    for text in STRINGS:  # round trip
        assert lean.decode(lean.encode(text, add_special_tokens=False)) == hf.decode(hf.encode(text, add_special_tokens=False))


def test_chat_templates_render_as_transformers_renders_them(both):
    lean, hf = both
    for messages in CONVERSATIONS:
        for generation in (True, False):
            ours = lean.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation)
            theirs = hf.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation)
            assert ours == theirs, (messages, generation)
            assert lean(ours, add_special_tokens=False).input_ids == hf(theirs, add_special_tokens=False).input_ids
    rendered = lean.apply_chat_template(CONVERSATIONS[0], tokenize=False, add_generation_prompt=True)
    assert rendered.endswith("<|im_start|>assistant\n") and "You are a helpful AI assistant" in rendered


def test_special_tokens_and_vocabulary_are_transformers(both):
    lean, hf = both
    for name in ("bos_token", "eos_token", "unk_token", "pad_token"):
        assert getattr(lean, name) == getattr(hf, name), name
        assert getattr(lean, f"{name}_id") == getattr(hf, f"{name}_id"), name
    assert lean.get_vocab() == hf.get_vocab()
    assert len(lean) == len(hf) and lean.vocab_size == hf.vocab_size
    ids = [0, 1, 2, 28, 198, 1000, 49151]
    assert lean.convert_ids_to_tokens(ids) == hf.convert_ids_to_tokens(ids)
    assert lean.convert_ids_to_tokens(28) == hf.convert_ids_to_tokens(28)
    tokens = [*hf.convert_ids_to_tokens(ids), "not-a-token-at-all"]
    assert lean.convert_tokens_to_ids(tokens) == hf.convert_tokens_to_ids(tokens)
    assert newline_token_ids(lean) == newline_token_ids(hf)


def test_a_template_kept_in_the_tokenizer_config_is_read_too(folder, tmp_path, both):
    lean, _ = both
    config = json.loads((folder / "tokenizer_config.json").read_text())
    config["chat_template"] = (folder / "chat_template.jinja").read_text()
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(config))
    shutil.copy(folder / "tokenizer.json", tmp_path / "tokenizer.json")
    other = LeanTokenizer.from_folder(tmp_path)
    for messages in CONVERSATIONS:
        assert other.apply_chat_template(messages, tokenize=False, add_generation_prompt=True) == lean.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=True
        )
    with pytest.raises(OSError, match=r"tokenizer\.json"):
        LeanTokenizer.from_folder(tmp_path / "missing")


TEMPLATE = """{%- for message in messages %}
    {%- if message['role'] == 'system' %}
        {{- '[SYS] ' + message['content'] | trim + '\\n' }}
    {%- elif loop.index0 > 4 %}{% break %}
    {% else %}
<{{ message['role'] }}>{{ message | tojson }}
    {% endif %}
{% endfor %}
{% if add_generation_prompt %}{{ eos_token }}<assistant>{% endif %}"""


def test_a_template_with_blocks_renders_with_transformers_environment(both):
    """Whitespace control (`trim_blocks`, `lstrip_blocks`), loop controls and `tojson` as
    transformers sets them up, on a template that uses them."""
    lean, hf = both
    other = LeanTokenizer(lean.backend_tokenizer, {"eos_token": lean.eos_token}, TEMPLATE)
    for messages in CONVERSATIONS:
        for generation in (True, False):
            ours = other.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation)
            theirs = hf.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation, chat_template=TEMPLATE)
            assert ours == theirs, (messages, generation)
