"""A synthetic corpus of interview transcripts for the ingest benchmarks (fictional text).

    python bench/corpus.py OUT_DIR [--words 1000000] [--words-per-file 10000] [--seed 0]
                                   [--formats txt,vtt,srt,docx] [--nynorsk 0.2]

Writes transcripts in the supported speaker-turn layouts, round-robin over ``--formats``: plain
text (``Name: text`` paragraphs), Teams WebVTT (``<v Name>``), WhisperX SRT (``[SPEAKER_00]:``)
and Word (``Name: text`` paragraphs), plus a ``manifest.csv`` giving each file's kind, phase and
language. About ``--words`` words in all (``\\w+`` matches, as ingest counts them).

The text is random but Norwegian in its vocabulary: sentences are drawn from templates over a
few thousand noun, verb and adjective lemmas of Norsk Ordbank (with their inflected forms, from
spacy-lookups-data) and the common function words, each class Zipf-distributed; one word in 40
is a new closed compound of two nouns (``kommune`` + ``s`` + ``avtalene``) that occurs nowhere
before it, as the long tail of real transcripts does. A share of files (``--nynorsk``) uses the
nynorsk function words and is declared ``nn`` in the manifest. Same seed, same corpus.
"""

from __future__ import annotations

import argparse
import bisect
import csv
import itertools
import random
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

FORMATS = ("txt", "vtt", "srt", "docx")
COMPOUND_EVERY = 40

NB_FUNCTION = {
    "pron": "vi jeg de du man det dere han hun noen".split(),
    "aux": "har skal kan må vil bør er var ble får".split(),
    "adv": "ikke også bare nå jo egentlig faktisk kanskje alltid ofte fortsatt litt veldig mer".split(),
    "prep": "i på med til for av om fra mellom etter under over ved hos".split(),
    "det": "den det de en et denne dette noen mange alle hver".split(),
    "conj": "og men eller så fordi at når som hvis selv om".split(),
    "q": "hvordan hva hvorfor hvem hvor".split(),
}
NN_FUNCTION = {
    "pron": "vi eg dei du ein det de han ho nokon".split(),
    "aux": "har skal kan må vil bør er var vart får".split(),
    "adv": "ikkje òg berre no jo eigentleg faktisk kanskje alltid ofte framleis litt veldig meir".split(),
    "prep": "i på med til for av om frå mellom etter under over ved hjå".split(),
    "det": "den det dei ein eit denne dette nokre mange alle kvar".split(),
    "conj": "og men eller så fordi at når som viss sjølv om".split(),
    "q": "korleis kva kvifor kven kvar".split(),
}
TEMPLATES = [
    "pron aux adv verb det adj noun prep noun",
    "pron aux verb noun prep det noun",
    "det noun aux adv adj",
    "prep det noun aux pron verb noun , conj pron aux adv verb noun",
    "q aux pron verb noun prep noun ?",
    "pron aux adv verb noun , conj det noun aux adj",
    "det adj noun prep noun aux verb prep pron",
    "conj pron aux verb det noun , aux det adj",
    "noun aux adv adj prep noun",
]
SPEAKERS = ["Moderator", "Kari Nordmann", "Ola Hansen", "Ingrid Berg", "Per Solheim", "Marit Lie", "Nils Dahl"]


def _zipf(n: int, s: float = 1.05) -> list[float]:
    acc, out = 0.0, []
    for k in range(1, n + 1):
        acc += 1.0 / k ** s
        out.append(acc)
    return out


@dataclass
class _Class:
    items: list
    cum: list[float]

    def pick(self, rnd: random.Random):
        return self.items[bisect.bisect(self.cum, rnd.random() * self.cum[-1])]


def _vocabulary(rnd: random.Random) -> dict[str, _Class]:
    """Noun, verb and adjective lemmas with their inflected forms, from Norsk Ordbank."""
    from workbench.nlp import _read_table

    exc = _read_table("nb_lemma_exc")
    classes: dict[str, _Class] = {}
    for pos, n, min_forms in (("noun", 4000, 3), ("verb", 800, 3), ("adj", 600, 2)):
        forms: dict[str, list[str]] = {}
        for form, lemmas in exc[pos].items():
            lemma = lemmas[0]
            if form.isalpha() and form.islower() and lemma.isalpha() and 3 <= len(lemma) <= 10:
                forms.setdefault(lemma, []).append(form)
        pool = sorted(lemma for lemma, fs in forms.items() if len(fs) >= min_forms)
        chosen = rnd.sample(pool, min(n, len(pool)))
        classes[pos] = _Class([(lemma, sorted(set(forms[lemma]))) for lemma in chosen], _zipf(len(chosen)))
    return classes


class Writer:
    """Sentences and turns of one corpus; compounds never repeat across the whole corpus."""

    def __init__(self, seed: int = 0):
        self.rnd = random.Random(seed)
        self.vocab = _vocabulary(self.rnd)
        self.function = {lang: {k: _Class(v, _zipf(len(v), 0.8)) for k, v in table.items()}
                         for lang, table in (("nb", NB_FUNCTION), ("nn", NN_FUNCTION))}
        self.templates = [t.split() for t in TEMPLATES]
        self.compounds: set[str] = set()
        self.counter = itertools.count()

    def _compound(self) -> str:
        nouns = self.vocab["noun"]
        while True:
            first, _ = nouns.items[self.rnd.randrange(len(nouns.items))]
            _, forms = nouns.items[self.rnd.randrange(len(nouns.items))]
            word = first + ("s" if self.rnd.random() < 0.3 and not first.endswith("s") else "") + self.rnd.choice(forms)
            if word not in self.compounds:
                self.compounds.add(word)
                return word

    def _word(self, slot: str, lang: str) -> str:
        if next(self.counter) % COMPOUND_EVERY == COMPOUND_EVERY - 1:
            return self._compound()
        if slot in self.vocab:
            _, forms = self.vocab[slot].pick(self.rnd)
            return forms[self.rnd.randrange(len(forms))]
        return self.function[lang][slot].pick(self.rnd)

    def sentence(self, lang: str) -> str:
        words: list[str] = []
        for slot in self.rnd.choice(self.templates):
            if slot in ",?":
                if words:
                    words[-1] += slot
                continue
            words.append(self._word(slot, lang))
        words[0] = words[0][:1].upper() + words[0][1:]
        text = " ".join(words)
        return text if text.endswith("?") else text + "."

    def turn(self, lang: str, words: int) -> str:
        out: list[str] = []
        n = 0
        while n < words:
            s = self.sentence(lang)
            out.append(s)
            n += len(s.split())
        return " ".join(out)


def _ts(seconds: float, sep: str) -> str:
    ms = int(round(seconds * 1000))
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}{sep}{ms % 1000:03d}"


def _write(path: Path, fmt: str, turns: list[tuple[str, str]]) -> None:
    if fmt == "txt":
        path.write_text("".join(f"{who}: {text}\n\n" for who, text in turns), encoding="utf-8")
    elif fmt == "vtt":
        parts, t = ["WEBVTT\n\n"], 0.0
        for who, text in turns:
            dur = 0.4 * len(text.split())
            parts.append(f"{_ts(t, '.')} --> {_ts(t + dur, '.')}\n<v {who}>{text}</v>\n\n")
            t += dur + 0.3
        path.write_text("".join(parts), encoding="utf-8")
    elif fmt == "srt":
        labels: dict[str, str] = {}
        parts, t = [], 0.0
        for n, (who, text) in enumerate(turns, 1):
            label = labels.setdefault(who, f"SPEAKER_{len(labels):02d}")
            dur = 0.4 * len(text.split())
            parts.append(f"{n}\n{_ts(t, ',')} --> {_ts(t + dur, ',')}\n[{label}]: {text}\n\n")
            t += dur + 0.3
        path.write_text("".join(parts), encoding="utf-8")
    elif fmt == "docx":
        import docx

        doc = docx.Document()
        for who, text in turns:
            doc.add_paragraph(f"{who}: {text}")
        doc.save(str(path))
    else:
        raise ValueError(f"format {fmt!r}: use one of {', '.join(FORMATS)}")


def write_corpus(out: Path | str, words: int = 1_000_000, *, words_per_file: int = 10_000, seed: int = 0,
                 formats: tuple[str, ...] = FORMATS, nynorsk: float = 0.2) -> list[Path]:
    """Write the corpus into ``out`` (created); returns the transcript paths in file order."""
    import re

    count = re.compile(r"\w+")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    writer = Writer(seed)
    rnd = random.Random(seed + 1)
    n_files = max(1, round(words / words_per_file))
    paths, rows = [], []
    for i in range(n_files):
        fmt = formats[i % len(formats)]
        lang = "nn" if rnd.random() < nynorsk else "nb"
        speakers = SPEAKERS[: rnd.randint(3, len(SPEAKERS))]
        target = words // n_files
        turns, n, k = [], 0, 0
        while n < target:
            who = speakers[0] if k % 2 == 0 else rnd.choice(speakers[1:])
            text = writer.turn(lang, rnd.randint(8, 90))
            turns.append((who, text))
            n += len(count.findall(text))
            k += 1
        path = out / f"transkripsjon_{i + 1:05d}.{fmt}"
        _write(path, fmt, turns)
        paths.append(path)
        rows.append({"file": path.name, "kind": "intervju" if len(speakers) == 3 else "fokusgruppe",
                     "phase": f"fase {1 + i % 2}", "pilot": "", "county": "", "date": "", "language": lang})
    with open(out / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["file", "kind", "phase", "pilot", "county", "date", "language"])
        w.writeheader()
        w.writerows(rows)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--words", type=int, default=1_000_000)
    ap.add_argument("--words-per-file", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--nynorsk", type=float, default=0.2, help="share of files in nynorsk")
    args = ap.parse_args()
    paths = write_corpus(args.out, args.words, words_per_file=args.words_per_file, seed=args.seed,
                         formats=tuple(f.strip() for f in args.formats.split(",") if f.strip()),
                         nynorsk=args.nynorsk)
    print(f"{len(paths)} files in {args.out}")


if __name__ == "__main__":
    main()
