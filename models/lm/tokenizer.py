"""The embedded model's tokenizer without transformers: `tokenizers` and jinja2 only.

transformers' `AutoTokenizer` is a thin layer over the `tokenizers` library's `Tokenizer`
(`tokenizer.json`) plus a chat template rendered with jinja2; importing transformers for it cost
the quantized path tens of megabytes of resident memory (see `llama_model`). `LeanTokenizer`
reads the same `tokenizer.json`, `tokenizer_config.json` and chat template (`chat_template.jinja`,
or the config's `chat_template`) and offers what the local backend, the benchmarks and the tests
use of a transformers tokenizer, with the same results: `__call__` / `encode` (ids),
`decode`, `apply_chat_template` (rendered in the sandboxed environment transformers renders
in, with the special tokens as variables), the special tokens and their ids, `get_vocab`,
`convert_tokens_to_ids`, `convert_ids_to_tokens`, `backend_tokenizer`. `tests/test_lean_tokenizer.py`
holds ids, texts and rendered conversations to transformers' on many strings and conversations.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from tokenizers import Tokenizer

SPECIAL_TOKENS = ("bos_token", "eos_token", "unk_token", "pad_token")


class Encoding:
    """What `tokenizer(text)` returns, as far as it is read here: `input_ids` (also by key)."""

    __slots__ = ("attention_mask", "input_ids")

    def __init__(self, ids: list[int]) -> None:
        self.input_ids = ids
        self.attention_mask = [1] * len(ids)

    def __getitem__(self, key: str) -> list[int]:
        return getattr(self, key)  # type: ignore[no-any-return]


def _token_text(value: Any) -> str | None:
    """A special token as tokenizer_config.json holds it: a string or an AddedToken's dict."""
    if isinstance(value, dict):
        return str(value.get("content")) if value.get("content") is not None else None
    return str(value) if value is not None else None


def _compile(template: str) -> Any:
    """The chat template compiled as transformers compiles one: a sandboxed environment with
    `trim_blocks`, `lstrip_blocks`, loop controls, its `tojson` filter and its globals."""
    import jinja2
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    def raise_exception(message: str) -> None:
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x: Any, ensure_ascii: bool = False, indent: Any = None, separators: Any = None, sort_keys: bool = False) -> str:
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(fmt: str) -> str:
        return datetime.now().strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env.from_string(template)


class LeanTokenizer:
    """A `tokenizers.Tokenizer` with its special tokens and chat template (see the module)."""

    def __init__(self, backend: Tokenizer, config: dict[str, Any], chat_template: str | None) -> None:
        backend.no_padding()  # transformers pads and truncates only when asked
        backend.no_truncation()
        self.backend_tokenizer = backend
        self.chat_template = chat_template
        self._template: Any = None
        self.padding_side = str(config.get("padding_side", "right"))
        self.clean_up_tokenization_spaces = bool(config.get("clean_up_tokenization_spaces", False))
        self.bos_token = _token_text(config.get("bos_token"))
        self.eos_token = _token_text(config.get("eos_token"))
        self.unk_token = _token_text(config.get("unk_token"))
        self.pad_token = _token_text(config.get("pad_token"))

    @classmethod
    def from_folder(cls, folder: Path) -> LeanTokenizer:
        """The tokenizer a transformers `save_pretrained` wrote into `folder`."""
        folder = Path(folder)
        if not (folder / "tokenizer.json").is_file():
            raise OSError(f"{folder} holds no tokenizer.json")
        config_file = folder / "tokenizer_config.json"
        config = json.loads(config_file.read_text(encoding="utf-8")) if config_file.is_file() else {}
        template_file = folder / "chat_template.jinja"
        template = template_file.read_text(encoding="utf-8") if template_file.is_file() else config.get("chat_template")
        if isinstance(template, list):  # named templates: transformers' default is "default"
            template = next((t["template"] for t in template if t.get("name") == "default"), None)
        return cls(Tokenizer.from_file(str(folder / "tokenizer.json")), config, template)

    # special tokens and the vocabulary

    def _id(self, token: str | None) -> int | None:
        return None if token is None else self.backend_tokenizer.token_to_id(token)

    @property
    def bos_token_id(self) -> int | None:
        return self._id(self.bos_token)

    @property
    def eos_token_id(self) -> int | None:
        return self._id(self.eos_token)

    @property
    def unk_token_id(self) -> int | None:
        return self._id(self.unk_token)

    @property
    def pad_token_id(self) -> int | None:
        return self._id(self.pad_token)

    @property
    def special_tokens_map(self) -> dict[str, str]:
        return {name: value for name in SPECIAL_TOKENS if (value := getattr(self, name)) is not None}

    @property
    def all_special_ids(self) -> list[int]:
        return sorted({i for token in self.special_tokens_map.values() if (i := self._id(token)) is not None})

    def get_vocab(self) -> dict[str, int]:
        return self.backend_tokenizer.get_vocab(with_added_tokens=True)  # type: ignore[no-any-return]

    @property
    def vocab_size(self) -> int:
        return self.backend_tokenizer.get_vocab_size(with_added_tokens=False)  # type: ignore[no-any-return]

    def __len__(self) -> int:
        return self.backend_tokenizer.get_vocab_size(with_added_tokens=True)  # type: ignore[no-any-return]

    def convert_tokens_to_ids(self, tokens: str | list[str]) -> Any:
        if isinstance(tokens, str):
            found = self.backend_tokenizer.token_to_id(tokens)
            return found if found is not None else self.unk_token_id
        return [self.convert_tokens_to_ids(token) for token in tokens]

    def convert_ids_to_tokens(self, ids: int | list[int], skip_special_tokens: bool = False) -> Any:
        if isinstance(ids, int):
            return self.backend_tokenizer.id_to_token(ids)
        special = set(self.all_special_ids) if skip_special_tokens else set()
        return [self.backend_tokenizer.id_to_token(i) for i in ids if i not in special]

    def convert_tokens_to_string(self, tokens: list[str]) -> str:
        decoder = self.backend_tokenizer.decoder
        return decoder.decode(tokens) if decoder is not None else " ".join(tokens)

    # text <-> ids

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        return self.backend_tokenizer.encode(text, add_special_tokens=add_special_tokens).ids  # type: ignore[no-any-return]

    def __call__(self, text: str, add_special_tokens: bool = True) -> Encoding:
        return Encoding(self.encode(text, add_special_tokens=add_special_tokens))

    def decode(self, ids: int | list[int], skip_special_tokens: bool = False) -> str:
        text: str = self.backend_tokenizer.decode(
            [ids] if isinstance(ids, int) else list(ids), skip_special_tokens=skip_special_tokens
        )
        if self.clean_up_tokenization_spaces and type(self.backend_tokenizer.model).__name__ != "BPE":
            for before, after in ((" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"),
                                  (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re")):
                text = text.replace(before, after)
        return text

    def apply_chat_template(
        self,
        messages: list[dict[str, Any]],
        tokenize: bool = True,
        add_generation_prompt: bool = False,
        **kwargs: Any,
    ) -> Any:
        """The conversation rendered with the chat template (ids with `tokenize`, without
        special tokens added: the template writes its own)."""
        if self.chat_template is None:
            raise ValueError("this tokenizer has no chat template")
        if self._template is None:
            self._template = _compile(self.chat_template)
        chat = [{str(k): v for k, v in message.items()} for message in messages]
        text = str(
            self._template.render(
                messages=chat,
                tools=None,
                documents=None,
                add_generation_prompt=add_generation_prompt,
                **{**self.special_tokens_map, **kwargs},
            )
        )
        return self.encode(text, add_special_tokens=False) if tokenize else text
