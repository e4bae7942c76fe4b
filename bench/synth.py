"""A synthetic project database at any size, for benchmarks and the SQL-vs-pandas test.

    python bench/synth.py --segments 100000 --codings 1000000 --db sqlite:///synth.db [--seed 1]

The schema comes from the library (``Database.upgrade``) and the codebook from
codebooks/bygdevekst.yaml through ``load_codebook``; everything else is written with
SQLAlchemy Core bulk inserts (executemany in batches; COPY on PostgreSQL), so a million codings
take seconds, not the ORM's minutes. The data looks like a real evaluation: sources in three
phases and five pilots (focus groups, interviews, dialogue conferences, documents without
speakers), speakers over the actors of the codebook's world (the same person meets again in a
later phase), an interviewer in every transcript, several coders (some sources coded by two
or three of them, so consensus has work to do), codes drawn Zipf-like from the codable codes,
related codes on the same segment, spans as well as whole segments, two codebook versions and
a mix of origins. ``build(url, segments, codings, seed)`` does the same from Python.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select

from workbench.store import Code, CodebookVersion, Coding, Database, Segment, Source, Speaker, User

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "codebooks" / "bygdevekst.yaml"
PHASES = ["fase 1", "fase 2", "fase 3"]
PILOTS = [("Midt-Finnmark", "Finnmark"), ("Vestre Varanger", "Finnmark"), ("Hjerteregionen", "Finnmark"),
          ("Indre-Namdal", "Trøndelag"), ("Midt", "Trøndelag")]
ACTORS = ["prosjektleder", "kdd", "statsforvalter", "fylkeskommune", "distriktssenteret",
          "kommunal_ledelse", "husbanken"]
ORGANISATIONS = {"prosjektleder": "{pilot} kommune", "kdd": "Kommunal- og distriktsdepartementet",
                 "statsforvalter": "Statsforvalteren i {county}", "fylkeskommune": "{county} fylkeskommune",
                 "distriktssenteret": "Distriktssenteret", "kommunal_ledelse": "{pilot} kommune",
                 "husbanken": "Husbanken"}
KINDS = [("fokusgruppe", 0.45), ("intervju", 0.35), ("dialogkonferanse", 0.1), ("dokument", 0.1)]
CODERS = ["anna", "bjorn", "cecilie", "didrik"]
ORIGINS = ["manual", "manual", "manual", "lexicon", "model", "imported"]
WORDS = ("avtalen kommunen staten samarbeid tillit bolig rekruttering næring kapasitet prosjektet "
         "handlingsplan midler rapportering nettverk fylket departementet tiltak innbyggere folk "
         "arbeidsplasser planlegging partnerskap ansvar møte erfaring utfordring mulighet tid").split()
BATCH = 20_000
STAMP = dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc)


def _chunks(rows: list, size: int = BATCH):
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def _zipf_weights(n: int, s: float = 1.1) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


def _copy(conn, table, columns: list[str], rows: list[tuple]) -> None:
    """PostgreSQL COPY through psycopg (the connection's own transaction)."""
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cur:
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as cp:
            for r in rows:
                cp.write_row(r)


def _bulk(conn, model, columns: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, model.__tablename__, columns, rows)
        return
    stmt = insert(model.__table__)
    for chunk in _chunks(rows):
        conn.execute(stmt, [dict(zip(columns, r)) for r in chunk])


def build(url: str, segments: int = 10_000, codings: int = 100_000, seed: int = 0) -> Database:
    """Build the database at ``url`` (created and migrated through the library; it should be
    empty) with about ``segments`` segments and exactly ``codings`` codings; returns it."""
    from workbench.codebook import load_codebook

    rng = np.random.default_rng(seed)
    db = Database(url)
    db.upgrade()
    load_codebook(db, CODEBOOK, user=CODERS[0])
    with db.session() as s:
        codes = s.execute(select(Code.id, Code.parent_id, Code.codable).order_by(Code.id)).all()
        version = s.scalar(select(CodebookVersion.id).order_by(CodebookVersion.id.desc()).limit(1))
    codable = [c for c, _, ok in codes if ok]
    rng.shuffle(codable)  # which codes are frequent: a seeded draw, not the alphabet
    weights = _zipf_weights(len(codable))

    with db.engine.begin() as conn:
        pg = conn.dialect.name == "postgresql"
        # users: the coders (the first one loaded the codebook and exists already)
        have = set(conn.scalars(select(User.name)))
        conn.execute(insert(User.__table__), [dict(name=n, role="researcher", created_at=STAMP, disabled=False)
                                              for n in CODERS if n not in have])
        coder_ids = dict(conn.execute(select(User.name, User.id).where(User.name.in_(CODERS))).all())
        old = conn.execute(insert(CodebookVersion.__table__).values(
            name="bygdevekst (utkast)", content_hash="synthetic-draft", content={}, created_at=STAMP)
            .returning(CodebookVersion.id)).scalar_one()

        # the people: per pilot and actor a few persons, who turn up in several sources
        people = []  # (label, actor, organisation, pilot)
        for pilot, county in PILOTS:
            for actor in ACTORS:
                for n in range(1, 4):
                    org = ORGANISATIONS[actor].format(pilot=pilot, county=county)
                    people.append((f"{actor.replace('_', ' ').title()} {pilot} {n}", actor, org, pilot))
        by_pilot = {p: [i for i, q in enumerate(people) if q[3] == p] for p, _ in PILOTS}

        # sources of about 150 segments (documents shorter)
        n_sources = max(3, segments // 150)
        kind_names = [k for k, _ in KINDS]
        kinds = rng.choice(len(KINDS), size=n_sources, p=[w for _, w in KINDS])
        sizes = rng.integers(60, 240, size=n_sources).astype(float)
        sizes = np.maximum(1, np.round(sizes / sizes.sum() * segments)).astype(int)
        sizes[-1] = max(1, segments - int(sizes[:-1].sum()))
        first_id = (conn.scalar(select(Source.id).order_by(Source.id.desc()).limit(1)) or 0) + 1
        seg_first = (conn.scalar(select(Segment.id).order_by(Segment.id.desc()).limit(1)) or 0) + 1
        spk_first = (conn.scalar(select(Speaker.id).order_by(Speaker.id.desc()).limit(1)) or 0) + 1
        source_rows, speaker_rows, segment_rows = [], [], []
        seg_source, seg_bounds, source_coders = [], [], []
        seg_id, spk_id = seg_first, spk_first
        for i in range(n_sources):
            sid = first_id + i
            kind = kind_names[kinds[i]]
            phase = PHASES[int(rng.integers(len(PHASES)))]
            p_idx = int(rng.integers(len(PILOTS)))
            pilot, county = PILOTS[p_idx]
            # conferences and some focus groups gather several pilots: the speaker's pilot counts
            mixed = kind == "dialogkonferanse" or (kind == "fokusgruppe" and rng.random() < 0.3)
            n_seg = int(sizes[i])
            speakers = []  # (speaker id, weight)
            if kind != "dokument":
                speaker_rows.append((spk_id, sid, "Intervjuer", "forsker", "SINTEF", None, None))
                speakers.append((spk_id, 0.15))
                spk_id += 1
                pool = [j for p, _ in PILOTS for j in by_pilot[p]] if mixed else by_pilot[pilot]
                n_people = 1 + int(rng.integers(1, 3)) if kind == "intervju" else int(rng.integers(3, 8))
                for j in rng.choice(len(pool), size=min(n_people, len(pool)), replace=False):
                    label, actor, org, own = people[pool[int(j)]]
                    speaker_rows.append((spk_id, sid, label, actor, org, own if mixed else None, None))
                    speakers.append((spk_id, 0.85 / n_people))
                    spk_id += 1
            words = rng.integers(4, 40, size=n_seg)
            vocab = rng.integers(0, len(WORDS), size=int(words.sum()))
            texts, pos, at = [], 0, 0
            ids = [s for s, _ in speakers]
            w = np.array([x for _, x in speakers]) if speakers else None
            who = rng.choice(len(ids), size=n_seg, p=w / w.sum()) if speakers else None
            for k in range(n_seg):
                t = " ".join(WORDS[v] for v in vocab[at:at + words[k]]).capitalize() + "."
                at += words[k]
                texts.append(t)
                start = pos
                pos += len(t)
                timed = kind in ("fokusgruppe", "intervju")
                segment_rows.append((seg_id, sid, k + 1, ids[who[k]] if speakers else None, start, pos,
                                     float(k * 30) if timed else None, float(k * 30 + 25) if timed else None,
                                     None, None if timed else 1 + k // 12, int(words[k])))
                seg_source.append(i)
                seg_bounds.append((start, pos))
                seg_id += 1
                pos += 1  # the newline between turns
            text = "\n".join(texts)
            source_rows.append((sid, f"synth_{i:05d}_{kind}_{phase.replace(' ', '')}.txt", f"synth-{seed}-{i}",
                                "txt", kind, phase, None if mixed else pilot, county, "2024-01-01", "nb",
                                text, int(words.sum()), STAMP))
            r = rng.random()
            source_coders.append(rng.choice(len(CODERS), size=1 if r < 0.55 else 2 if r < 0.9 else 3,
                                            replace=False))

        _bulk(conn, Source, ["id", "file_name", "content_hash", "format", "kind", "phase", "pilot", "county",
                             "date", "language", "canonical_text", "word_count", "ingested_at"], source_rows)
        _bulk(conn, Speaker, ["id", "source_id", "label", "actor", "organisation", "pilot", "name"], speaker_rows)
        _bulk(conn, Segment, ["id", "source_id", "index", "speaker_id", "start_char", "end_char", "start_time",
                              "end_time", "heading", "page", "word_count"], segment_rows)
        n_seg = len(segment_rows)

        # codings: a segment with a theme often gets a related code (same parent) and a second
        # coder's view; unique per (segment, code, coder, span) as the schema demands
        seg_source = np.asarray(seg_source)
        bounds = np.asarray(seg_bounds)
        n_codes, n_coders = len(codable), len(CODERS)
        parent = {c: p for c, p, _ in codes}
        siblings = [[codable.index(d) for d in codable if parent.get(d) == parent.get(c)] for c in codable]
        chosen = np.empty(0, dtype=np.int64)
        rounds = 0
        while len(chosen) < codings and rounds < 50:
            need = int((codings - len(chosen)) * 1.3) + 1000
            seg = rng.integers(0, n_seg, size=need)
            code = rng.choice(n_codes, p=weights, size=need)
            related = rng.random(need) < 0.35  # a sibling of a code already likely on the segment
            if related.any():
                code[related] = [siblings[c][int(rng.integers(len(siblings[c])))] for c in code[related]]
            # a coder of that source
            pick = rng.integers(0, 3, size=need)
            coder = np.array([source_coders[s][p % len(source_coders[s])] for s, p in zip(seg_source[seg], pick)])
            span = np.where(rng.random(need) < 0.3, rng.integers(1, 4, size=need), 0)
            keys = ((seg.astype(np.int64) * n_codes + code) * n_coders + coder) * 4 + span
            chosen = np.unique(np.concatenate([chosen, keys]))
            rounds += 1
        chosen = rng.permutation(chosen)[:codings]
        chosen.sort()  # segment order: friendlier to the indexes
        span = chosen % 4
        coder = chosen // 4 % n_coders
        code = chosen // 4 // n_coders % n_codes
        seg = chosen // 4 // n_coders // n_codes
        start, end = bounds[seg, 0], bounds[seg, 1]
        length = end - start
        # spans 1..3: the first, middle or last third of the turn
        s_start = np.where(span == 0, start, start + (span - 1) * length // 3)
        s_end = np.where(span == 0, end, np.where(span == 3, end, start + span * length // 3))
        s_end = np.maximum(s_end, s_start + 1)
        versions = np.where(rng.random(len(chosen)) < 0.15, old, version)
        origins = rng.integers(0, len(ORIGINS), size=len(chosen))
        cid = [coder_ids[c] for c in CODERS]
        columns = ["segment_id", "code_id", "coder_id", "start_char", "end_char", "origin",
                   "codebook_version_id", "created_at"]
        rows = [(seg_first + int(a), codable[b], cid[c], int(d), int(e), ORIGINS[f], int(g), STAMP)
                for a, b, c, d, e, f, g in zip(seg, code, coder, s_start, s_end, origins, versions)]
        if pg:
            _copy(conn, "codings", columns, rows)
        else:
            _bulk(conn, Coding, columns, rows)
        if pg:  # explicit ids above: move the sequences past them
            for table in ("sources", "speakers", "segments"):
                conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                     f"(SELECT COALESCE(MAX(id), 1) FROM {table}))")
    with db.transaction(CODERS[0]) as tx:  # as ingest does: every person gets a pseudonym
        from workbench.sharing import assign_pseudonyms

        assign_pseudonyms(tx.session)
    if db.dialect == "postgresql":  # as autovacuum would soon; SQLite databases are left as users have them
        with db.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return db


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=10_000)
    ap.add_argument("--codings", type=int, default=100_000)
    ap.add_argument("--db", required=True, help="database URL (an empty or new database)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t0 = time.perf_counter()
    db = build(args.db, args.segments, args.codings, args.seed)
    secs = time.perf_counter() - t0
    with db.session() as s:
        from sqlalchemy import func

        n = {m.__tablename__: s.scalar(select(func.count()).select_from(m))
             for m in (Source, Speaker, Segment, Coding)}
    db.dispose()
    print(f"{args.db}: {n['sources']} sources, {n['speakers']} speakers, {n['segments']} segments, "
          f"{n['codings']} codings in {secs:.1f} s")


if __name__ == "__main__":
    main()
