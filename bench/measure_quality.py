"""Measure suggestion quality the way docs/suggestions.md reports it.

    python bench/measure_quality.py [--dev ../shared/eval/dev_segments.jsonl] [--out report.md]
                                    [--configs today,new] [--no-dev] [--folds 5]

Builds a fresh demo database (ingest, codebook, the two coders' codings, training with the
anchors), then for each model configuration runs the grouped k-fold cross-validation of
``workbench evaluate`` on the training data and, when the development set is there, trains on
all of it and classifies the development set with the ``auto`` and ``all`` methods, scored with
the set's own score.py. Configurations: ``today`` is the model before issue 14 (TF-IDF alone,
whole turns, no exclusive siblings); ``new`` the current default (e5 block, sentences, exclusive
siblings); ``fast`` the new default without the e5 block (the TF-IDF part ``classify --fast``
uses); ``lexfeat`` the new default with the lexicon as a feature. Prints Markdown tables.
Nothing here trains on the development set, and no setting is chosen by it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout, not an installed copy
DEV = ROOT.parent / "shared" / "eval" / "dev_segments.jsonl"
USER = "demo"

CONFIGS = {
    "today": {"embeddings": False, "sentences": False, "exclusive": {}, "C": 4.0, "target_precision": 0.8},
    "new": {},
    "fast": {"embeddings": False},  # what `classify --fast` scores with: the new model's TF-IDF part
    "lexfeat": {"lexicon_features": True},
}


def wb(url: str, *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "workbench", "--db", url, *args], check=True,
                          capture_output=True, text=True, cwd=ROOT).stdout


def table(rows: list[tuple], header: tuple) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def f2(x: float) -> str:
    return f"{x:.2f}"


def cv_rows(name: str, ev: dict) -> list[tuple]:
    rows = [(name, "pooled", *map(f2, (ev["micro"]["precision"], ev["micro"]["recall"], ev["micro"]["f1"],
                                      ev["macro"]["precision"], ev["macro"]["recall"], ev["macro"]["f1"])))]
    for kind, v in ev.get("by_kind", {}).items():
        rows.append((name, f"{kind}s only", *map(f2, (v["micro"]["precision"], v["micro"]["recall"], v["micro"]["f1"],
                                                       v["macro"]["precision"], v["macro"]["recall"], v["macro"]["f1"]))))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", type=Path, default=DEV)
    ap.add_argument("--no-dev", action="store_true", help="cross-validation only")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--configs", default="today,new", help=f"comma-separated, of {', '.join(CONFIGS)}")
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    from workbench.store import Database
    from workbench.suggest.service import classify_file, evaluate, train

    names = [c.strip() for c in args.configs.split(",") if c.strip()]
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/q.db"
        t0 = time.perf_counter()
        lines.append("```\n" + wb(url, "demo", "--no-serve").strip() + "\n```")
        lines.append(f"(demo built and model trained in {time.perf_counter() - t0:.0f} s)\n")
        db = Database(url)
        cv_table, per_code, dev_rows, dev_codes = [], {}, [], {}
        for name in names:
            params = CONFIGS[name]
            t0 = time.perf_counter()
            ev = evaluate(db, user=USER, folds=args.folds, **params)
            print(f"{name}: cross-validation in {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
            cv_table += cv_rows(f"`{name}`", ev)
            per_code[name] = ev
            if args.no_dev or not args.dev.exists():
                continue
            t0 = time.perf_counter()
            train(db, user=USER, **params)
            score = args.dev.parent / "score.py"
            for method in ("auto", "all"):
                out = Path(tmp) / f"{name}_{method}.jsonl"
                t1 = time.perf_counter()
                classify_file(db, args.dev, out, user=USER, method=method)
                secs = time.perf_counter() - t1
                s = json.loads(subprocess.run([sys.executable, str(score), str(args.dev), str(out), "--json"],
                                              check=True, capture_output=True, text=True).stdout)
                dev_rows.append((f"`{name}`", f"`{method}`", *map(f2, (s["micro"]["p"], s["micro"]["r"], s["micro"]["f"],
                                                                       s["macro"]["p"], s["macro"]["r"], s["macro"]["f"])),
                                 f"{secs:.1f}"))
                if method == "auto":
                    dev_codes[name] = subprocess.run([sys.executable, str(score), str(args.dev), str(out)], check=True,
                                                     capture_output=True, text=True).stdout
            print(f"{name}: trained and classified the development set in {time.perf_counter() - t0:.0f} s",
                  file=sys.stderr, flush=True)
        ev0 = per_code[names[0]]
        lines.append(f"### Cross-validated (`workbench evaluate`, {ev0['folds']} grouped folds, "
                     f"{ev0['segments']} segments + {ev0['anchors']} anchors)\n")
        lines.append(table(cv_table, ("model", "rows", "micro P", "micro R", "micro F1", "macro P", "macro R",
                                      "macro F1")))
        lines.append("\nPer code (pooled; P / R / F1 per configuration):\n")
        codes = list(ev0["codes"])
        rows = []
        for c in codes:
            cells = []
            for name in names:
                v = per_code[name]["codes"].get(c, {"precision": 0, "recall": 0, "f1": 0})
                cells.append(f"{f2(v['precision'])} / {f2(v['recall'])} / {f2(v['f1'])}")
            rows.append((f"`{c}`", *cells, ev0["codes"][c]["support"]))
        lines.append(table(rows, ("code", *names, "n")))
        if dev_rows:
            lines.append("\n### Development set (development figures, not held-out)\n")
            lines.append(table(dev_rows, ("model", "method", "micro P", "micro R", "micro F1", "macro P", "macro R",
                                          "macro F1", "classify s")))
            for name, text in dev_codes.items():
                lines.append(f"\nPer code (`{name}`, `auto`):\n\n```\n" + text.strip() + "\n```")
        elif not args.no_dev:
            lines.append(f"\n(development set {args.dev} not found: skipped)")
        db.dispose()
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
