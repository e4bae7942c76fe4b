"""Norwegian language layer: lemmas, language detection, sentences, on-disk cache."""

import pytest

from workbench import nlp
from workbench.errors import WorkbenchError


@pytest.mark.parametrize(
    "word, lemma",
    [
        ("avtalene", "avtale"),
        ("kommunene", "kommune"),
        ("samarbeidet", "samarbeide"),  # Norsk Ordbank's lemma for this form is "samarbeide"
        ("gikk", "gå"),
        ("større", "stor"),
        ("Kommunene", "kommune"),
        ("KOMMUNENE", "kommune"),
        ("var", "være"),
        ("meg", "jeg"),
        ("piloter", "pilot"),
        ("kommunenes", "kommune"),
    ],
)
def test_bokmal_inflected_forms(word, lemma):
    assert nlp.lemma_of(word, "nb") == lemma


def test_compound_fallback_uses_lemma_of_longest_known_suffix():
    assert nlp.lemma_of("bygdevekstavtalene", "nb") == "bygdevekstavtale"
    assert nlp.lemma_of("bygdevekst-avtalene", "nb") == "bygdevekst-avtale"
    assert nlp.lemma_of("statsforvalter", "nb") == "statsforvalter"  # noun reading inside compounds


def test_capitalised_name_inside_sentence_is_not_split_as_compound():
    doc = nlp.load("nb")("Vi møtte kommunene i Porsanger.")
    porsanger = [t for t in doc if t.text == "Porsanger"][0]
    assert porsanger.lemma_ == "porsanger"


@pytest.mark.parametrize(
    "word, lemma",
    [("kommunane", "kommune"), ("ikkje", "ikkje"), ("vore", "vere"), ("gjekk", "gå")],
)
def test_nynorsk_forms(word, lemma):
    assert nlp.lemma_of(word, "nn") == lemma


@pytest.mark.parametrize("word, lang, lemma", [
    ("eget", "nn", "egen"), ("Eget", "nn", "egen"), ("egne", "nn", "egen"), ("eiget", "nn", "eigen"),
    ("eigne", "nn", "eigen"), ("eige", "nn", "eigen"),
    ("eget", "nb", "egen"), ("egne", "nb", "egen"), ("eiget", "nb", "eigen"),
    ("eg", "nn", "eg"), ("Eg", "nn", "eg"), ("meg", "nn", "eg"), ("eg", "nb", "eg"),  # the pronoun stays
])
def test_known_wrong_lemmas_are_fixed(word, lang, lemma):
    """simplemma's nynorsk dictionary gives "eget" the lemma "eg" (the pronoun "I") and "egne" the
    verb "egna"; LEMMA_FIXES gives them the determiner egen/eigen, in both written standards."""
    assert nlp.lemma_of(word, lang) == lemma


def test_a_fixed_lemma_is_what_the_pipeline_and_the_stored_analysis_give():
    text = "Eg har mitt eget kontor. Eget rom og eigne folk, sa eg til dei."
    assert nlp.lemmatize(text, "nn") == ["eg", "ha", "min", "egen", "kontor", "egen", "rom", "og", "eigen",
                                         "folk", "seie", "eg", "til", "dei"]
    assert nlp.analyse([text], "nn")[0].lemma_list() == nlp.lemmatize(text, "nn")
    assert nlp.coverage_counts([text], "nn")["fixed"] == 2


def test_lemmatize_returns_lowercase_word_lemmas_only():
    lemmas = nlp.lemmatize("Kommunene gikk inn i avtalene i 2023, og samarbeidet var nyttig.", "nb")
    assert lemmas == [
        "kommune", "gå", "inn", "i", "avtale", "i", "og", "samarbeide", "være", "nyttig",
    ]
    assert nlp.lemma_text("Avtalene var gode.", "nb") == "avtale være god"


def test_nynorsk_sentence_lemmas():
    assert nlp.lemma_text("Kommunane gjekk saman om avtalane.", "nn") == "kommune gå saman om avtale"


def test_detect_language():
    assert nlp.detect_language("Jeg vet ikke hva vi skal gjøre, men det er mye arbeid.") == "nb"
    assert nlp.detect_language("Eg veit ikkje kva vi skal gjere, men det er mykje arbeid.") == "nn"
    assert nlp.detect_language("") == "nb"


def test_sentence_splitting():
    doc = nlp.load("nb")("Avtalen ble signert i juni. Hva skjer nå? Vi venter på KDD!")
    assert [s.text for s in doc.sents] == [
        "Avtalen ble signert i juni.", "Hva skjer nå?", "Vi venter på KDD!",
    ]


def test_unknown_language_is_a_workbench_error():
    with pytest.raises(WorkbenchError, match="'sv'"):
        nlp.load("sv")
    assert nlp.normalize_lang("Nynorsk") == "nn"


@pytest.mark.parametrize("given, expected", [
    ("nb-NO", "nb"), ("nn_NO", "nn"), ("no-NO", "nb"), (" NN ", "nn"),
    ("nb+nn", None), ("", None), (None, None),
])
def test_language_codes_as_other_tools_write_them(given, expected):
    assert nlp.given_lang(given) == expected


def test_a_language_that_is_not_norwegian_stays_an_error():
    for bad in ("sv", "en-GB", "sv_SE"):
        with pytest.raises(WorkbenchError, match="unknown language code"):
            nlp.given_lang(bad)


def test_coverage_counts_unknown_words_as_not_covered():
    assert nlp.coverage(["kommunene gikk"], "nb") == 1.0
    assert nlp.coverage(["kommunene qwxzzy"], "nb") == 0.5
    assert nlp.coverage([""], "nb") == 0.0


@pytest.fixture(scope="module")
def counted_build():
    """``nlp._build_table`` with its calls counted (``.calls``): the first call of the module builds
    the table for real, a later one (a second empty or corrupt cache) gets that result again
    rather than spending the seconds of a second identical build."""
    real_build = nlp._build_table
    built: list = []

    def build():
        build.calls.append(1)
        if not built:
            built.append(real_build())
        return built[0]

    build.calls = []
    return build


def test_table_is_built_once_and_reused_from_disk(tmp_path, monkeypatch, counted_build):
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path))
    counted_build.calls.clear()
    monkeypatch.setattr(nlp, "_build_table", counted_build)
    nlp.clear_memory_caches()
    try:
        assert nlp.lemma_of("avtalene") == "avtale"
        assert len(counted_build.calls) == 1
        assert nlp.cache_path().exists() and nlp.cache_path().parent == tmp_path
        assert nlp.load("nb") is nlp.load("nb")  # memoised in-process

        nlp.clear_memory_caches()  # a new process: only the disk cache is left
        assert nlp.load("nn")("avtalene")[0].lemma_ == "avtale"
        assert nlp.lemma_of("gikk") == "gå"
        assert len(counted_build.calls) == 1
    finally:
        nlp.clear_memory_caches()


def test_corrupt_cache_file_is_rebuilt(tmp_path, monkeypatch, counted_build):
    import pickle

    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path))
    nlp.cache_path().write_bytes(b"not a pickle")
    counted_build.calls.clear()
    monkeypatch.setattr(nlp, "_build_table", counted_build)
    nlp.clear_memory_caches()
    try:
        assert nlp.lemma_of("kommunene") == "kommune"
        assert len(counted_build.calls) == 1  # built again, not read from the corrupt file
        assert pickle.loads(nlp.cache_path().read_bytes())["table"]["kommunene"] == "kommune"  # and rewritten
    finally:
        nlp.clear_memory_caches()
