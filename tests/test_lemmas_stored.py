"""Lemmas made once at ingest and stored with each segment (issue 13): the stored analysis equals
the spaCy pipeline's, old databases get theirs on first need, and search and suggestions give the
same results from stored lemmas as from lemmatising again."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select, text, update

from workbench import nlp
from workbench.ingest import ensure_lemmas, ingest_paths
from workbench.store import Segment, Source

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"

TRICKY = [
    "Vi møtte kommunene i Porsanger. Kommunesamarbeidet er nytt, sa han.",
    "Vi møtte Kommunesamarbeidet i går. Kommunesamarbeidet var der!",
    "«Samarbeid», sa hun (og lo). Det er mange som sier det.",
    "Bl.a. kl. 10 f.eks. og nr. 3 – i 2023, 50 % og 1,5 mill. kr. Se www.regjeringen.no/kdd eller post@kdd.dep.no.",
    "A. Hansen og USA. OK? Jeg vet ikke... Kanskje … «Nei».",
    "bygdevekst-avtalene og by- og regionpolitikken, Statsforvalteren/KDD og 24/7-tilbud!?",
    "Hei.Neste setning:  to mellomrom,\tog tab\nog linjeskift\n\nog avsnitt.\u00a0Hardt mellomrom.",
    "  Innledende mellomrom. Slutt. ",
    "Eg veit ikkje korleis dei fekk det til, men kommunane gjekk saman om avtalane.",
    "Vi har ikkje hatt tid. Kva skjer no? Dei har òg vore med frå starten!",
    "TV2 og NRK melder: «Bygdevekstavtalene virker». Kommunedirektøren i Måsøy, Ole-Petter.",
    "Et 'sitat' og «et annet», [merknad] {x} 3-4 ganger, 1990-tallet, §5 og ½ time.",
    "",
]


def pipeline_view(text: str, lang: str) -> tuple[list[str], list[tuple[int, int]], tuple]:
    doc = nlp.load(lang)(text)
    lemmas = [t.lemma_ for t in doc if any(ch.isalpha() for ch in t.text)]
    tokens = [(t.idx, t.idx + len(t.text)) for t in doc if not t.is_space]
    full = ([t.text for t in doc], [bool(t.whitespace_) for t in doc], [t.lemma_ for t in doc])
    return lemmas, tokens, full


def sample_texts() -> list[str]:
    from workbench.ingest import READERS, read_file

    return [t.text for p in sorted(SAMPLE.iterdir()) if p.suffix.lstrip(".") in READERS
            and p.suffix != ".csv"  # the sample's tables are its manifest, roster and codings
            for t in read_file(p).turns]


@pytest.mark.parametrize("lang", ["nb", "nn"])
def test_the_analyser_gives_the_pipelines_tokens_and_lemmas(lang):
    texts = TRICKY + sample_texts()
    for text, a in zip(texts, nlp.analyse(texts, lang)):
        lemmas, tokens, full = pipeline_view(text, lang)
        assert a == text and a.lang == lang
        assert a.lemma_list() == lemmas, text
        assert a.lemma_line == nlp.lemma_text(text, lang)
        assert a.tokens() == tokens, text
        assert a.doc_tokens() == full, text
    # the second time the same chunks come from the caches, in other states of the sentencizer
    again = [t.replace(". ", ".\n") for t in texts]
    for text, a in zip(again, nlp.analyse(again, lang)):
        assert a.lemma_list() == pipeline_view(text, lang)[0], text


def test_a_lemma_with_a_space_stays_one_lemma_per_word():
    (a,) = nlp.analyse(["Det er mange som sier det."], "nb")
    assert "mang\u00a0en" in a.lemmas and a.lemma_line == "det være mang en som si det"
    assert [lm for _, _, lm in a.word_tokens()] == ["det", "være", "mang en", "som", "si", "det"]


def test_chunks_split_without_the_tokenizer_split_as_spacy_does():
    import spacy

    tokenizer = spacy.blank("nb").tokenizer
    words = ["avtale", "Avtale", "AVTALE", "A", "Ab", "ab", "KDD", "kl", "nr", "bl", "eg", "nov", "Oslo", "USA",
             "OK", "Å", "å", "æ", "Ærlig", "ØST", "øst", "x", "XD", "andelsnr", "samarbeidsavtalene", "Måsøy"]
    chunks = [w + mark for w in words for mark in ("", ".", ",", "!", "?", ":", ";")]
    analyser = nlp._analyser("nb")
    for chunk in chunks:
        quick = analyser._quick_tokens(chunk)
        if quick is not None:
            assert quick == [t.text for t in tokenizer(chunk)], chunk


def test_language_of_the_stored_lemmas():
    assert nlp.lemma_language("nn", "Vi har ikke tid.") == "nn"
    assert nlp.lemma_language("nynorsk", "") == "nn"
    assert nlp.lemma_language("nb+nn", "Eg veit ikkje kva dei gjer.") == "nn"
    assert nlp.lemma_language(None, "Jeg vet ikke hva de gjør.") == "nb"


def write_corpus(folder: Path) -> Path:
    folder.mkdir()
    (folder / "bokmal.txt").write_text(
        "Moderator: Hvordan fungerer samarbeidet med staten?\n\n"
        "Kari: Samarbeidet er godt. Kommunesamarbeidet er nytt, og tilliten mellom partene er stor.\n\n"
        "Moderator: Og avtalene?\n\nKari: Bygdevekstavtalene gir oss tid. Det er mange som sier det.\n",
        encoding="utf-8")
    (folder / "nynorsk.txt").write_text(
        "Moderator: Korleis fungerer samarbeidet?\n\n"
        "Ola: Eg veit ikkje korleis dei fekk det til, men kommunane gjekk saman om avtalane.\n\n"
        "Moderator: Og no?\n\nOla: Samarbeidet er godt. Vi har ikkje hatt tid til alt.\n", encoding="utf-8")
    (folder / "blanda.txt").write_text(
        "Moderator: Hva tenker dere om samarbeidet?\n\n"
        "Ola: Eg meiner samarbeidet har vore godt, men vi har ikkje fått nok folk.\n\n"
        "Moderator: Og kommunen?\n\nKari: Kommunen har ikke hatt kapasitet til å følge opp.\n", encoding="utf-8")
    (folder / "manifest.csv").write_text(
        "file,kind,phase,pilot,county,date,language\n"
        "bokmal.txt,intervju,fase 1,,,,nb\nnynorsk.txt,intervju,fase 1,,,,nn\nblanda.txt,intervju,fase 2,,,,nb+nn\n",
        encoding="utf-8")
    return folder


def stored_rows(db) -> list[tuple]:
    with db.session() as s:
        return s.execute(select(Segment.id, Source.canonical_text, Segment.start_char, Segment.end_char,
                                Source.language, Segment.lemmas, Segment.lemma_lang, Segment.token_splits)
                         .join(Source, Segment.source_id == Source.id).order_by(Segment.id)).all()


def test_lemmas_stored_at_ingest_equal_the_pipelines_in_bokmal_and_nynorsk(db, tmp_path):
    report = ingest_paths(db, [SAMPLE, write_corpus(tmp_path / "korpus")], user="forsker")
    assert not report.errors
    rows = stored_rows(db)
    assert rows and all(r.lemmas is not None for r in rows)
    seen = set()
    for r in rows:
        turn = r.canonical_text[r.start_char:r.end_char]
        lang = nlp.lemma_language(r.language, turn)
        seen.add(lang)
        assert r.lemma_lang == lang
        a = nlp.AnalysedText(turn, lang, r.lemmas, r.token_splits)
        lemmas, tokens, _ = pipeline_view(turn, lang)
        assert a.lemma_list() == lemmas, turn
        assert a.tokens() == tokens, turn
    assert seen == {"nb", "nn"}


def test_ingest_with_and_without_the_analysis_process_stores_the_same(db, tmp_path, monkeypatch):
    import workbench.ingest as ingest

    corpus = write_corpus(tmp_path / "korpus")
    monkeypatch.setenv("WORKBENCH_INGEST_WORKER", "0")
    ingest_paths(db, [corpus], user="forsker")
    alone = [r[5:] for r in stored_rows(db)]
    with db.transaction("forsker") as tx:
        tx.session.execute(text("DELETE FROM segments"))
        tx.session.execute(text("DELETE FROM speakers"))
        tx.session.execute(text("DELETE FROM sources"))
    monkeypatch.setenv("WORKBENCH_INGEST_WORKER", "1")
    monkeypatch.setattr(ingest, "_in_parallel", lambda refs: True)  # read the next file while storing
    report = ingest_paths(db, [corpus], user="forsker")
    assert sorted(report.added) == ["blanda.txt", "bokmal.txt", "nynorsk.txt"]
    assert [r[5:] for r in stored_rows(db)] == alone


def null_lemmas(db) -> None:
    with db.transaction("forsker") as tx:
        tx.session.execute(update(Segment).values(lemmas=None, lemma_lang=None, token_splits=None))


QUERIES = ['samarbeid', 'tillit kommune', '"mellom partene"', 'avtale', 'kommune', 'gå', 'vere']


def test_an_old_database_with_null_lemmas_works_and_gets_them_filled(db, tmp_path):
    from workbench.search import search

    ingest_paths(db, [SAMPLE, write_corpus(tmp_path / "korpus")], user="forsker")
    before = stored_rows(db)
    results = {q: search(db, q, user="forsker") for q in QUERIES}
    compounds = search(db, "samarbeid", compounds=True, user="forsker")
    assert all(results.values())
    null_lemmas(db)
    assert all(r.lemmas is None for r in stored_rows(db))
    assert {q: search(db, q, user="forsker") for q in QUERIES} == results
    assert search(db, "samarbeid", compounds=True, user="forsker") == compounds
    assert stored_rows(db) == before  # filled in by the first search, as ingest stores them
    null_lemmas(db)
    assert ensure_lemmas(db) == len(before)
    assert ensure_lemmas(db) == 0
    assert stored_rows(db) == before


def write_eget(folder: Path) -> Path:
    folder.mkdir()
    (folder / "eget_nn.txt").write_text(
        "Moderator: Korleis har de det?\n\n"
        "Ola: Eg har fått mitt eget kontor i kommunen, og eg trivst der.\n\n"
        "Moderator: Og dei andre?\n\nOla: Dei har sine eigne rom. Eget kjøkken òg.\n", encoding="utf-8")
    (folder / "eget_nb.txt").write_text(
        "Moderator: Hvordan har dere det?\n\nKari: Vi har fått et eget kontor i kommunen.\n", encoding="utf-8")
    (folder / "manifest.csv").write_text(
        "file,kind,phase,pilot,county,date,language\n"
        "eget_nn.txt,intervju,fase 1,,,,nn\neget_nb.txt,intervju,fase 1,,,,nb\n", encoding="utf-8")
    return folder


def test_a_lemma_search_for_eg_finds_the_pronoun_and_not_eget(db, tmp_path):
    """simplemma's nynorsk lemma of "eget" is "eg" (I): a search for the pronoun found "mitt eget
    kontor" in nynorsk text, and in bokmål text through the nynorsk reading."""
    from workbench.search import search

    assert not ingest_paths(db, [write_eget(tmp_path / "eget")], user="forsker").errors
    hits = search(db, "eg", user="forsker")
    assert sorted((h["source"], h["match"]) for h in hits) == [("eget_nn.txt", "Eg"), ("eget_nn.txt", "eg")]
    assert sorted(h["match"] for h in search(db, "egen", user="forsker")) == ["Eget", "eget", "eget"]


def test_lemmas_stored_by_an_older_lemma_layer_are_made_again(db, tmp_path):
    """A database whose lemmas were stored before a wrong lemma was fixed ("eget" -> "eg") gets them
    made again on first need, because the source's lemma version is older than the layer's."""
    from workbench.search import search

    assert not ingest_paths(db, [write_eget(tmp_path / "eget")], user="forsker").errors
    fresh = stored_rows(db)
    assert lemma_versions(db) == {nlp.LEMMA_VERSION}
    with db.transaction("forsker") as tx:  # as the lemma layer before LEMMA_FIXES stored them
        tx.session.execute(update(Source).values(lemma_version=None))
        for seg in tx.session.scalars(select(Segment).where(Segment.lemmas.is_not(None))):
            seg.lemmas = " ".join("eg" if lm == "egen" else lm for lm in seg.lemmas.split(" "))
    assert any(" eg kontor" in (r.lemmas or "") for r in stored_rows(db))  # (the test can fail)

    hits = search(db, "eg", user="forsker")
    assert sorted(h["match"] for h in hits) == ["Eg", "eg"]
    assert stored_rows(db) == fresh
    assert lemma_versions(db) == {nlp.LEMMA_VERSION}
    assert ensure_lemmas(db) == 0  # once only


def lemma_versions(db) -> set:
    with db.session() as s:
        return set(s.scalars(select(Source.lemma_version)))


def test_a_database_from_before_the_migration_is_upgraded_and_analysed(db):
    from alembic import command

    from workbench.search import search
    from workbench.store.db import _alembic_config

    with db.engine.begin() as conn:
        cfg = _alembic_config(db.url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    body = "Samarbeidet er godt. Kommunane gjekk saman om avtalane."
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO sources (file_name, content_hash, format, canonical_text, word_count, "
                          "language, ingested_at) VALUES ('gammel.txt', 'h', 'txt', :t, 9, 'nn', CURRENT_TIMESTAMP)"),
                     {"t": body})
        conn.execute(text('INSERT INTO segments (source_id, "index", start_char, end_char, word_count) '
                          "VALUES (1, 1, 0, :n, 9)"), {"n": len(body)})
    db.upgrade()
    assert stored_rows(db)[0].lemmas is None
    hits = search(db, "avtale", user="forsker")
    assert [h["match"] for h in hits] == ["avtalane"]
    row = stored_rows(db)[0]
    assert row.lemma_lang == "nn" and row.lemmas.split(" ") == nlp.lemmatize(body, "nn")


@pytest.mark.slow
def test_stored_and_recomputed_lemmas_give_identical_features_and_suggestions_on_the_demo(tmp_path):
    from spacy.util import filter_spans

    from workbench.demo import build_demo
    from workbench.suggest import CombinedSuggester, LexiconSuggester, ModelSuggester
    from workbench.suggest.model import lemma_texts
    from workbench.suggest.service import current_code_infos, training_data

    db, _ = build_demo(f"sqlite:///{tmp_path / 'demo.db'}", user="demo", train=False, qdpx=False)
    codes = current_code_infos(db, user="demo")
    data = training_data(db, codes, user="demo")
    stored = [i for i, t in enumerate(data.texts) if isinstance(t, nlp.AnalysedText)]
    assert len(stored) == data.count("segment") + data.count("rejected") > 100
    langs = [nlp.lemma_language(lang, t) for t, lang in zip(data.texts, data.langs)]
    plain = [str(t) for t in data.texts]
    # the model's input: stored lemma lines are the pipeline's lemma_text of each segment
    docs = [None] * len(plain)  # the pipeline's docs, made once (the lexicon check below reads them too)
    for lang in ("nb", "nn"):
        idx = [i for i, lg in enumerate(langs) if lg == lang]
        for i, doc in zip(idx, nlp.load(lang).pipe([plain[i] for i in idx])):
            docs[i] = doc
    by_pipeline = [" ".join(t.lemma_ for t in doc if any(ch.isalpha() for ch in t.text)) for doc in docs]
    assert lemma_texts(data.texts, langs) == by_pipeline

    model = ModelSuggester(cv_folds=2).fit(data.texts, data.labels, data.langs, codes, **data.fit_kwargs())
    vec = model.vectorizers_
    from_store = model._transform(vec, lemma_texts(data.texts, langs))
    assert (from_store != model._transform(vec, by_pipeline)).nnz == 0
    model.lexicon_ = LexiconSuggester().fit(codes=codes)
    # suggestions from the stored analysis and from the plain text: every stored segment, in one
    # batch with some of the codebook's examples (plain text on both sides, as they are trained on;
    # all of them would only compare each with itself again, ten times the work)
    rows = stored + [i for i, t in enumerate(data.texts) if not isinstance(t, nlp.AnalysedText)][:50]
    texts, texts_plain = [data.texts[i] for i in rows], [plain[i] for i in rows]
    row_langs = [data.langs[i] for i in rows]
    for suggester in (model, model.lexicon_, CombinedSuggester.from_fitted(model, model.lexicon_)):
        a = [[h.to_dict() for h in hits] for hits in suggester.suggest(texts, row_langs)]
        b = [[h.to_dict() for h in hits] for hits in suggester.suggest(texts_plain, row_langs)]
        assert a == b
        assert any(a[:len(stored)])  # (the stored segments get suggestions: the comparison can fail)
        assert np.array_equal(suggester.scores(texts, row_langs), suggester.scores(texts_plain, row_langs))

    # the lexicon on stored tokens finds what PhraseMatcher finds on the pipeline's own docs
    lexicon = model.lexicon_
    for lang in ("nb", "nn"):
        idx = [i for i, lg in enumerate(langs) if lg == lang]
        matchers, _ = lexicon._matcher(lang)
        old = []
        for doc in (docs[i] for i in idx):
            by_code: dict[str, list] = {}
            for matcher in matchers:
                for match_id, start, end in matcher(doc):
                    by_code.setdefault(nlp.vocab(lang).strings[match_id], []).append(doc[start:end])
            old.append({c: [(s.start_char, s.end_char) for s in sorted(filter_spans(v), key=lambda s: s.start)]
                        for c, v in by_code.items()})
        new = [{c: [(s.start_char, s.end_char) for s in v] for c, v in m.items()}
               for m in lexicon._matches([data.texts[i] for i in idx], [lang] * len(idx))]
        assert new == old
        assert any(old)


def test_sqlite_gets_the_same_rows_whether_the_text_is_written_in_pieces_or_whole(sqlite_db, tmp_path,
                                                                                   monkeypatch):
    import workbench.ingest as ingest

    corpus = write_corpus(tmp_path / "korpus")
    ingest_paths(sqlite_db, [corpus], user="forsker")  # in pieces (incremental blob I/O)
    pieces = stored_rows(sqlite_db)
    with sqlite_db.transaction("forsker") as tx:
        for table in ("segments", "speakers", "sources"):
            tx.session.execute(text(f"DELETE FROM {table}"))
    monkeypatch.setattr(ingest, "_streams_text", lambda db: False)  # as one bound string
    ingest_paths(sqlite_db, [corpus], user="forsker")
    assert [r[1:] for r in stored_rows(sqlite_db)] == [r[1:] for r in pieces]


def test_a_copy_in_the_same_batch_is_skipped_as_a_copy_while_the_next_file_is_read_ahead(db, tmp_path, monkeypatch):
    import workbench.ingest as ingest

    corpus = write_corpus(tmp_path / "korpus")
    (corpus / "kopi.txt").write_text((corpus / "bokmal.txt").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("WORKBENCH_INGEST_WORKER", "1")
    monkeypatch.setattr(ingest, "_in_parallel", lambda refs: True)
    report = ingest_paths(db, [corpus], user="forsker")
    assert sorted(report.added) == ["blanda.txt", "bokmal.txt", "nynorsk.txt"]
    assert report.unchanged == [] and report.duplicates == [
        "kopi.txt has the same content as the already ingested bokmal.txt, so it is not stored again (the same "
        "bytes are stored once, whatever the name; check that kopi.txt is the file you meant)"]
