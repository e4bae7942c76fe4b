"""Measure suggestion quality the way docs/suggestions.md reports it.

    python bench/measure_quality.py [--dev ../shared/eval/dev_segments.jsonl] [--out report.md]

Builds a fresh demo database (ingest, codebook, the two coders' codings, training with the
anchors), runs `workbench evaluate` (grouped k-fold cross-validation on the training data) and,
when the development set is there, `workbench classify` on it with the `auto` and `all` methods,
scored with the set's own score.py. Prints Markdown tables. Nothing here trains on the
development set.
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
DEV = ROOT.parent / "shared" / "eval" / "dev_segments.jsonl"


def wb(url: str, *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "workbench", "--db", url, *args], check=True,
                          capture_output=True, text=True, cwd=ROOT).stdout


def table(rows: list[tuple], header: tuple) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def f2(x: float) -> str:
    return f"{x:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", type=Path, default=DEV)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/q.db"
        t0 = time.perf_counter()
        lines.append("```\n" + wb(url, "demo", "--no-serve").strip() + "\n```")
        lines.append(f"(demo built and model trained in {time.perf_counter() - t0:.0f} s)\n")
        ev = json.loads(wb(url, "evaluate", "--json"))
        lines.append(f"### Cross-validated (`workbench evaluate`, {ev['folds']} grouped folds, "
                     f"{ev['segments']} segments + {ev['anchors']} anchors)\n")
        rows = [("pooled", *map(f2, (ev["micro"]["precision"], ev["micro"]["recall"], ev["micro"]["f1"],
                                      ev["macro"]["precision"], ev["macro"]["recall"], ev["macro"]["f1"])))]
        for kind, v in ev.get("by_kind", {}).items():
            rows.append((f"{kind}s only", *map(f2, (v["micro"]["precision"], v["micro"]["recall"], v["micro"]["f1"],
                                                    v["macro"]["precision"], v["macro"]["recall"], v["macro"]["f1"]))))
        lines.append(table(rows, ("rows", "micro P", "micro R", "micro F1", "macro P", "macro R", "macro F1")))
        lines.append("\nPer code (pooled):\n")
        lines.append(table([(f"`{c}`", f2(v["precision"]), f2(v["recall"]), f2(v["f1"]), v["support"])
                            for c, v in ev["codes"].items()], ("code", "P", "R", "F1", "n")))
        if args.dev.exists():
            score = args.dev.parent / "score.py"
            lines.append("\n### Development set (development figures, not held-out)\n")
            rows, per_code = [], ""
            for method in ("auto", "all"):
                out = Path(tmp) / f"{method}.jsonl"
                wb(url, "classify", "--method", method, "--input", str(args.dev), "--output", str(out))
                s = json.loads(subprocess.run([sys.executable, str(score), str(args.dev), str(out), "--json"],
                                              check=True, capture_output=True, text=True).stdout)
                rows.append((f"`{method}`", *map(f2, (s["micro"]["p"], s["micro"]["r"], s["micro"]["f"],
                                                      s["macro"]["p"], s["macro"]["r"], s["macro"]["f"]))))
                if method == "auto":
                    per_code = subprocess.run([sys.executable, str(score), str(args.dev), str(out)], check=True,
                                              capture_output=True, text=True).stdout
            lines.append(table(rows, ("method", "micro P", "micro R", "micro F1", "macro P", "macro R", "macro F1")))
            lines.append("\nPer code (`auto`):\n\n```\n" + per_code.strip() + "\n```")
        else:
            lines.append(f"\n(development set {args.dev} not found: skipped)")
    text = "\n".join(lines) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
