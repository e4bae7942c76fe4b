"""Benchmark: time to train the suggestion model and to classify N utterances.

    python bench/bench_suggest.py [--n 2000] [--codebook codebooks/bygdevekst.yaml] [--demo]

Builds a throwaway SQLite database (the codebook only, or with --demo the demo corpus and its two
coders' codings), trains the model, and classifies N utterances (the codebook's examples and the
demo turns, repeated with a counter so that no two texts are identical). Prints seconds and
utterances per second. Not run by pytest.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout, not an installed copy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="utterances to classify")
    ap.add_argument("--codebook", default=str(ROOT / "codebooks" / "bygdevekst.yaml"))
    ap.add_argument("--demo", action="store_true", help="train on the demo corpus codings as well")
    ap.add_argument("--no-embeddings", action="store_true", help="TF-IDF alone (with sentence scoring)")
    ap.add_argument("--today", action="store_true", help="the model before issue 14 (TF-IDF alone, whole texts)")
    args = ap.parse_args()

    from workbench.codebook import load_codebook
    from workbench.nlp import load
    from workbench.store import Database
    from workbench.suggest.service import build_suggester, classify, current_code_infos, train, training_data

    load("nb"), load("nn")  # the lemma table load is not what we measure
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        t0 = time.perf_counter()
        if args.demo:
            from workbench.demo import build_demo

            db, _ = build_demo(url, user="bench", train=False)
        else:
            db = Database(url)
            db.upgrade()
            load_codebook(db, args.codebook, user="bench")
        print(f"database ready: {time.perf_counter() - t0:.1f} s")
        data = training_data(db, current_code_infos(db))
        t0 = time.perf_counter()
        params = ({"embeddings": False, "sentences": False, "C": 4.0, "target_precision": 0.8} if args.today
                  else {"embeddings": False} if args.no_embeddings else {})
        report = train(db, user="bench", **params)
        t_train = time.perf_counter() - t0
        print(f"train: {t_train:.1f} s on {len(data.texts)} texts ({report.segments} segments, "
              f"{report.anchors} anchors, {report.examples} examples), {len(report.modelled)} codes modelled, "
              f"{len(report.fallback)} lexicon fallback")
        base = data.texts or ["Vi har ikke tid til dette."]
        records = [{"id": i, "text": f"{base[i % len(base)]} ({i})"} for i in range(args.n)]
        # "model" twice: the first pass encodes every new text (and its sentences) with e5, the
        # second finds the vectors in memory, as suggestions on stored segments find them in the table
        # "model --fast": the model's TF-IDF part (no e5 encoding), on texts it has not seen either
        fresh = [{"id": r["id"], "text": f"{r['text']} [{args.n}]"} for r in records]
        for method, label, fast, batch in (("lexicon", "lexicon", False, records),
                                           ("model", "model --fast, new texts", True, fresh),
                                           ("model", "model, new texts", False, records),
                                           ("model", "model, vectors cached", False, records),
                                           ("all", "all, vectors cached", False, records)):
            suggester = build_suggester(db, method, user="bench", fast=fast)
            t0 = time.perf_counter()
            out = classify(db, batch, user="bench", method=method, _suggester=suggester)
            dt = time.perf_counter() - t0
            n_codes = sum(len(o["codes"]) for o in out)
            print(f"classify --method {method} ({label}): {args.n} utterances in {dt:.1f} s "
                  f"({args.n / dt:.0f}/s), {n_codes} codes suggested", flush=True)
        db.dispose()


if __name__ == "__main__":
    main()
