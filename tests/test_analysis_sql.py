"""The SQL aggregation path gives exactly what the old pandas path gave (issue 13).

The old path (read every segment and coding, expand ancestors and group in pandas) is kept as
``aggregate._pandas_reference()``; every public aggregation is run both ways on the demo
database and on a synthetic database from bench/synth.py, on SQLite and PostgreSQL, and the
frames must be equal: values, dtypes, order, index and attrs.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import os

import pandas as pd
import pytest

from workbench.analysis import (all_quotes, code_frequencies, cooccurrence, cooccurrence_pairs,
                                filter_values, phase_change, quotes, theme_matrix)
from workbench.analysis import aggregate
from workbench.analysis.aggregate import _pandas_reference, shared_reads

from tests.conftest import ROOT, _admin

_counter = itertools.count()


def _synth():
    spec = importlib.util.spec_from_file_location("bench_synth", ROOT / "bench" / "synth.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def new_url(request, tmp_path_factory):
    """Makes URLs of new, empty databases on one backend (dropped at the end of the module)."""
    made = []

    def make() -> str:
        if request.param == "sqlite":
            return f"sqlite:///{tmp_path_factory.mktemp('sqlsame') / 'db.sqlite'}"
        base = request.getfixturevalue("pg_url")
        name = f"wb_sqlsame_{os.getpid()}_{next(_counter)}"
        _admin(f"{base}/postgres", f"CREATE DATABASE {name}")
        made.append(name)
        return f"{base}/{name}"

    yield make
    for name in made:
        _admin(f"{request.getfixturevalue('pg_url')}/postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="module")
def demo(new_url):
    from workbench.demo import build_demo

    db, _ = build_demo(new_url(), user="demo", train=False, qdpx=False)
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def synthetic(new_url):
    # 8 sources (every phase, focus groups, interviews, a document, a multi-pilot source), 4
    # coders, 2 codebook versions, 4 origins; 1,500 codings cover every path as 3,000 did (the
    # same sources and speakers: the seed draws them before the codings) in two thirds of the time
    db = _synth().build(new_url(), segments=1200, codings=1500, seed=7)
    yield db
    db.dispose()


#: The pandas reference's reads (every segment and coding of one database, per filter), kept for
#: the module: the databases are only read here, and a key names the database (its URL), so the
#: reference reads each once instead of once per comparison. The SQL path never sees this cache.
_REFERENCE_READS: dict = {}


@contextlib.contextmanager
def _reference():
    token = aggregate._CACHE.set(_REFERENCE_READS)
    try:
        with _pandas_reference():
            yield
    finally:
        aggregate._CACHE.reset(token)


def same(fn, db, **kwargs):
    """``fn`` by SQL and by the pandas reference: equal frames (and attrs); returns the frame."""
    got = fn(db, **kwargs)
    with _reference():
        want = fn(db, **kwargs)
    if isinstance(want, dict):
        assert got == want
        return got
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.attrs == want.attrs
    return got


BYS = [("actor", "phase"), ("phase",), (), ("actor", "phase", "pilot"), ("pilot", "kind"), ("county",),
       ("speaker",), ("source",), ("source", "speaker"), ("actor", "speaker")]


def _matrices(db, coders):
    for by in BYS:
        for fill in (False, True):
            m = same(theme_matrix, db, by=by, fill=fill)
            assert len(m)
    assert same(theme_matrix, db, by=("speaker", "source"), reveal=True).shape[0]
    for coder in coders + ["consensus", "all"]:
        same(theme_matrix, db, by=("actor", "phase"), coder=coder, fill=True)
        same(theme_matrix, db, by=("speaker",), coder=coder)
        same(code_frequencies, db, coder=coder)
    same(theme_matrix, db, by=("actor", "phase"), exclude_actors=["forsker"], fill=True)
    same(theme_matrix, db, by=("actor", "pilot"), exclude_actors=["forsker"], coder="consensus")
    same(theme_matrix, db, by=("phase",), codes="kontrakt,samarbeid", fill=True)
    same(theme_matrix, db, by=("actor", "phase"), fill=True, suppress=True)
    same(theme_matrix, db, by=("actor",), suppress=4, exclude_actors=["forsker"])
    same(code_frequencies, db, exclude_actors=["forsker"], suppress=True)
    # the published tables (suppressed together): the same units from SQL and from pandas
    same(theme_matrix, db, by=("actor", "phase", "pilot"), exclude_actors=["forsker"], suppress=True, fill=True)
    same(theme_matrix, db, by=("phase",), exclude_actors=["forsker"], suppress=True, codes="kontrakt")
    same(phase_change, db)
    same(phase_change, db, actor="prosjektleder", coder="consensus", exclude_actors=["forsker"])
    same(filter_values, db)


def _cooccurrences(db, coders):
    for window, parents in itertools.product((0, 1, 2), (False, True)):
        same(cooccurrence, db, window=window, parents=parents)
    same(cooccurrence, db, coder="consensus", parents=True, exclude_actors=["forsker"])
    same(cooccurrence, db, coder=coders[0], codes="samarbeid")
    same(cooccurrence, db, window=1, suppress=True)
    same(cooccurrence_pairs, db)
    same(cooccurrence_pairs, db, window=1, suppress=True, parents=True)


def _quotes(db, coders, codes, actor, phase):
    for code in codes:
        assert len(same(quotes, db, code=code))
        same(quotes, db, code=code, actor=actor, phase=phase)
        same(quotes, db, code=code, actor=[actor, "(ukjent)"], coder="consensus")
        same(quotes, db, code=code, reveal=True, coder=coders[-1])
    whole = quotes(db, code=codes[0])
    speaker, last = whole["speaker"].dropna().iloc[0], whole.iloc[-1]
    assert len(same(quotes, db, code=codes[0], speaker=speaker))
    pilot = last["pilot"] if isinstance(last["pilot"], str) else "(ukjent)"
    assert len(same(quotes, db, code=codes[0], source=[last["source"]], pilot=pilot))
    same(quotes, db, code=codes[0], kind="dokument", county="(ukjent)")
    same(all_quotes, db)
    same(all_quotes, db, codes="kontrakt", coder="consensus", reveal=True)


def test_demo_sql_equals_pandas(demo):
    from workbench.analysis import coder_names

    coders = coder_names(demo)
    _matrices(demo, coders)
    _cooccurrences(demo, coders)
    _quotes(demo, coders, ["kontrakt", "samarbeid.tillit", "kontrakt.formaal"], "prosjektleder", "fase 1")


def test_synthetic_sql_equals_pandas(synthetic):
    coders = ["anna", "bjorn", "cecilie", "didrik"]
    _matrices(synthetic, coders)
    same(theme_matrix, synthetic, by=("actor", "phase"), codebook_version="bygdevekst (utkast)")
    _cooccurrences(synthetic, coders)
    top = code_frequencies(synthetic).sort_values("codings", ascending=False)
    leaf = top[~top["is_parent"]]["code"].iloc[0]
    _quotes(synthetic, coders, [leaf, top["code"].iloc[0]], "statsforvalter", "fase 2")


def test_shared_reads_reads_once(synthetic, monkeypatch):
    """Within shared_reads the same aggregation runs its SQL once."""
    from workbench.analysis import sql

    calls = []
    original = sql.matrix_counts
    monkeypatch.setattr(sql, "matrix_counts", lambda *a, **k: calls.append(1) or original(*a, **k))
    with shared_reads():
        first = theme_matrix(synthetic, by=("actor", "phase"))
        again = theme_matrix(synthetic, by=("actor", "phase"), fill=True)
    assert len(calls) == 1
    assert len(again) >= len(first)


def test_oversikt_reruns_from_the_cache_until_the_data_changes(tmp_path, monkeypatch):
    """A rerun with unchanged data does not aggregate again; other filters, another user and
    any write (a new coding) do."""
    import streamlit as st

    import workbench.analysis
    from workbench.coding import apply_code

    from tests.app_fixtures import build_small, open_page

    db = build_small(tmp_path)
    monkeypatch.setenv("WORKBENCH_DB", db.url)
    monkeypatch.setenv("WORKBENCH_USER", "kari")
    calls = []
    real = workbench.analysis.theme_matrix
    monkeypatch.setattr(workbench.analysis, "theme_matrix",
                        lambda *a, **k: calls.append(k.get("user")) or real(*a, **k))
    st.cache_data.clear()
    before = db.data_version()
    at = open_page("views/oversikt.py", "kari")
    assert calls == ["kari"]
    at.run()
    at.run()
    assert not at.exception and calls == ["kari"]  # unchanged data: from the cache
    at.checkbox(key="with_researchers").check().run()
    assert len(calls) == 2  # other filters: computed
    at.checkbox(key="with_researchers").uncheck().run()
    assert len(calls) == 2  # and the first one is still cached
    apply_code(db, "intervju_fase2.txt", 3, "kapasitet", user="anna")
    assert db.data_version() != before
    at.run()
    assert not at.exception and len(calls) == 3  # a write: computed again
    open_page("views/oversikt.py", "rolf")  # the resource group: its own (suppressed) entry
    assert calls[-1] == "rolf" and len(calls) == 4
    db.dispose()
