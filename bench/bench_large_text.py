"""Reading a large plain-text transcript: seconds and peak memory of ``read_file``.

    python bench/bench_large_text.py --mb 200 [--layout colon|zoom|caps] [--roster] [--keep PATH]

Generates a fictional transcript of about ``--mb`` megabytes (many speakers, Norwegian text with
æøå, times, continuation paragraphs, colon sentences that are not speakers), then runs
``workbench.ingest.read_file`` on it in a fresh subprocess and prints the wall-clock seconds, the
peak resident memory of that process (``resource.getrusage``; it includes the interpreter and the
imported libraries) and, with ``--tracemalloc``, the peak of Python allocations. Storing into the
database is not part of this benchmark. Not run by the test suite.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = ("bolig tomter arbeidskraft samarbeid tillit kommunen staten fylkeskommunen pilot avtale "
         "handlingsplan delmål rekruttering næringsliv utleieboliger skole barnehage veg ferje "
         "hurtigbåt sykehus distriktene bygda økonomi ressurser prosjektleder styringsgruppe "
         "departementet Husbanken Statsforvalteren regionrådet innbyggere ungdom tilflytting "
         "gründere kontorfellesskap fiberutbygging kraftlinje landbruk reindrift turisme "
         "vi har jobbet med det lenge og det går sakte men sikkert fremover i år når "
         "hvis fordi at som ikke bare også særlig først så må kan skal vil får gjør være blitt "
         "blåbær sørover mørketid nærhet løsning utfordring også åpenhet førstelinje").split()
FIRST = "Kari Ola Ingrid Håvard Sigrid Tormod Marit Siri Åse Bjørn Solveig Øystein Kjersti Ørjan".split()
LAST = "Nordmann Fjell Aune Lien Solbakk Berge Vinje Holm Sæther Løkken Bråten Dahl Ødegård".split()


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(6, 22))
    return " ".join(words).capitalize() + rng.choice((".", ".", ".", "?", "!"))


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(1, 5)))


def hms(t: int) -> str:
    return f"{t // 3600:02d}:{t % 3600 // 60:02d}:{t % 60:02d}"


def generate(path: Path, mb: float, layout: str, seed: int = 7) -> list[str]:
    """Write the transcript; returns its speaker labels (for a roster)."""
    rng = random.Random(seed)
    names = [f"{f} {l}" for f in FIRST for l in LAST][:60]
    if layout == "caps":
        speakers = ["INTERVJUER"] + [f"INFORMANT {i}" for i in range(1, 40)]
    elif layout == "zoom":
        speakers = names
    else:
        speakers = ["Moderator", "Intervjuer"] + [f"Informant {i}" for i in range(1, 30)] + names[:30]
    target = int(mb * 1024 * 1024)
    written = 0
    t = 0
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        head = "Fokusgruppe om bygdevekst – generert testfil\nDato: 2024-03-12\nSted: Teams\n\n"
        f.write(head)
        written += len(head.encode("utf-8"))
        chunk: list[str] = []
        while written < target:
            who = rng.choice(speakers)
            t = (t + rng.randint(3, 90)) % 36000  # one long series of ten-hour recordings
            text = paragraph(rng)
            if rng.random() < 0.05:
                text += " Merk: dette er ikke en taler."
            if layout == "zoom":
                block = f"{who}\n{hms(t)}\n{text}\n"
            elif layout == "caps":
                block = f"{who}\n{text}\n"
            else:
                stamp = f"[{hms(t)}] " if rng.random() < 0.3 else ""
                block = f"{stamp}{who}: {text}\n"
            if rng.random() < 0.25:
                block += paragraph(rng) + "\n"
            block += "\n"
            chunk.append(block)
            written += len(block.encode("utf-8"))
            if len(chunk) >= 2000:
                f.write("".join(chunk))
                chunk = []
        f.write("".join(chunk))
    return speakers


CHILD = """
import json, resource, sys, time, tracemalloc
from pathlib import Path
path, roster, trace = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3] == "1"
from workbench.ingest import read_file
if trace:
    tracemalloc.start()
began = time.perf_counter()
parsed = read_file(Path(path), roster or None)
secs = time.perf_counter() - began
peak_py = tracemalloc.get_traced_memory()[1] if trace else None
rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": secs, "peak_rss_mb": rss_kb / 1024, "peak_python_mb": peak_py and peak_py / 2**20,
                  "turns": len(parsed.turns), "speakers": len({t.speaker for t in parsed.turns}),
                  "kind": parsed.kind_hint, "warnings": len(parsed.warnings),
                  "chars": sum(len(t.text) for t in parsed.turns)}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=200)
    ap.add_argument("--layout", choices=("colon", "zoom", "caps"), default="colon")
    ap.add_argument("--roster", action="store_true", help="pass the speaker labels as a roster")
    ap.add_argument("--tracemalloc", action="store_true", help="also measure Python allocations (slower)")
    ap.add_argument("--keep", help="write the generated file here and keep it")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep) if args.keep else Path(tmp) / "stor_fokusgruppe.txt"
        began = time.perf_counter()
        speakers = generate(path, args.mb, args.layout)
        size = path.stat().st_size / 2**20
        print(f"generated {path.name}: {size:.0f} MB, layout {args.layout}, {len(speakers)} speakers "
              f"in {time.perf_counter() - began:.1f} s")
        roster = json.dumps(speakers if args.roster else [])
        out = subprocess.run([sys.executable, "-c", CHILD, str(path), roster, "1" if args.tracemalloc else "0"],
                             capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
        if out.returncode != 0:
            sys.exit(out.stderr)
        r = json.loads(out.stdout)
    print(f"read_file: {r['seconds']:.1f} s, peak RSS {r['peak_rss_mb']:.0f} MB"
          + (f", peak Python allocations {r['peak_python_mb']:.0f} MB" if r["peak_python_mb"] else "")
          + f"; {r['kind']}, {r['turns']} turns, {r['speakers']} speakers, {r['chars'] / 2**20:.0f} M chars of "
          f"turn text, {r['warnings']} warnings")
    ok = r["seconds"] < 60 and r["peak_rss_mb"] < 1024
    print("within the limits (< 60 s, < 1 GB)" if ok else "OVER the limits (60 s, 1 GB)")


if __name__ == "__main__":
    main()
