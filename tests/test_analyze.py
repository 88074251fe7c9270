"""`POST /v1/prompts/analyze`: CLIP windows and their cuts, parts, conflicts, non-words, IP
findings and a shortened version in one window (issue 23, item 4)."""

from __future__ import annotations

from modes import analysis
from modes.targets import clip

SUBJECT = "a red fox curled asleep in fresh snow under pine trees"
PHRASES = [
    SUBJECT,
    "oil painting",
    "golden hour light",
    "wide establishing shot",
    "muted earth tones",
    "intricate detail",
    "soft mist drifting across the frozen lake",
    "tiny footprints leading away",
    "snow-laden branches",
    "distant mountains",
    "subtle rim light on fur",
    "zxc-style",
    "painterly brushwork",
    "rich textures",
    "cinematic composition",
    "dramatic clouds",
    "glittering ice crystals",
    "faint aurora overhead",
    "a lone raven perched nearby",
    "quiet winter stillness",
    "frost on every needle",
    "pale blue shadows across the drifts",
    "breath of wind lifting powder snow",
]
LONG = ", ".join(PHRASES)


def analyze(client, **body):
    response = client.post("/v1/prompts/analyze", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_120_token_prompt_is_shortened_to_one_window_keeping_subject_and_kept_terms(client):
    assert 115 <= clip.count(LONG) <= 130
    body = analyze(client, prompt=LONG, keepTerms=["zxc-style", "a lone raven perched nearby"])
    assert body["tokens"] == clip.count(LONG) and body["windowTokens"] == 75 and not body["fitsOneWindow"]
    short = body["shortened"]
    assert clip.count(short) <= 75 and body["shortenedTokens"] == clip.count(short)
    assert short.startswith(SUBJECT) and "zxc-style" in short and "a lone raven perched nearby" in short
    assert body["dropped"] and all(d not in short for d in body["dropped"])
    assert "oil painting" in short  # the medium goes after the details


def test_windows_say_how_many_tokens_each_holds_and_where_they_cut(client):
    body = analyze(client, prompt=LONG)
    windows = body["windows"]
    assert len(windows) == 2 and [w["index"] for w in windows] == [0, 1]
    assert windows[0]["tokens"] == 75 and windows[1]["tokens"] == body["tokens"] - 75
    cut = windows[0]["cut"]
    assert cut["before"] and cut["after"] and windows[1]["cut"] is None
    assert LONG.index(cut["after"]) > LONG.index(cut["before"])
    assert windows[1]["text"].startswith(cut["after"].split()[0])


def test_a_word_split_across_the_cut_is_named():
    prompt = "a " * 74 + "zxcvbnm"  # 74 one-token words, then a word of several tokens
    found = analysis.windows(prompt)
    assert found[0].cut is not None and found[0].cut.split_word == "zxcvbnm"


def test_parts_conflicts_non_words_and_ip_are_found(client):
    prompt = (
        "a red fox in fresh snow, a snowy forest clearing, oil painting, photorealistic, golden hour light, "
        "bird's-eye view, muted earth tones, neon glow, blurry vermucalychas, Mickey Mouse"
    )
    body = analyze(client, prompt=prompt, targetModel="flux")
    parts = {p["text"]: p["part"] for p in body["parts"]}
    assert body["subject"] == "a red fox in fresh snow" and parts["a red fox in fresh snow"] == "subject"
    assert parts["a snowy forest clearing"] == "setting" and parts["oil painting"] == "medium"
    assert parts["golden hour light"] == "lighting" and parts["bird's-eye view"] == "composition"
    assert parts["muted earth tones"] == "palette"
    assert body["subjectKinds"] == {"animal": ["fox"]} and "nature" in body["domains"]
    assert set(body["media"]) == {"oil", "photo"}
    conflicts = " | ".join(body["conflicts"])
    assert "medium oil vs photo" in conflicts and "neon glow" in conflicts and "'mouse' vs 'fox'" in conflicts
    assert body["nonWords"] == ["vermucalychas"]
    assert body["ipDetection"]["action"] == "flagged"
    assert body["ipDetection"]["findings"][0]["entities"] == ["Mickey Mouse"]
    assert body["targetModel"] == "flux" and body["rendered"].startswith("A red fox in fresh snow")


def test_a_short_prompt_fits_and_is_left_as_is(client):
    body = analyze(client, prompt="a lighthouse at dusk, watercolor")
    assert body["fitsOneWindow"] and body["shortened"] == "a lighthouse at dusk, watercolor"
    assert body["dropped"] == [] and len(body["windows"]) == 1 and body["rendered"] is None
    assert body["ipDetection"]["action"] == "allowed" and body["missingKeepTerms"] == []


def test_missing_kept_terms_are_reported_and_added_to_the_shortened_version(client):
    body = analyze(client, prompt="a lighthouse at dusk, watercolor", keepTerms=["zxc-style"])
    assert body["missingKeepTerms"] == ["zxc-style"] and "zxc-style" in body["shortened"]


def test_a_prompt_of_no_words_is_answered_not_refused(client):
    for prompt in ("   ", ",,,", "\ue0007\ue001 fox"):
        body = analyze(client, prompt=prompt, keepTerms=["x"])
        assert body["fitsOneWindow"] and "x" in body["shortened"]


def test_bad_requests_are_400s_naming_the_field(client):
    for payload, field in (
        ({}, "prompt"),
        ({"prompt": ""}, "prompt"),
        ({"prompt": "x", "targetModel": "sd3"}, "targetModel"),
        ({"prompt": "x", "keepTerms": [""]}, "keepTerms[0]"),
        ({"prompt": "x", "extra": 1}, "extra"),
    ):
        response = client.post("/v1/prompts/analyze", json=payload)
        assert response.status_code == 400, (payload, response.text)
        assert response.json()["field"] == field
