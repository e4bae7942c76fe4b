"""Records the readers produce: one `Turn` per speaker turn, notes item or document paragraph."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)  # a 200 MB transcript has ~500,000 turns: no per-object __dict__
class Turn:
    """One segment as read from a file.

    ``text`` is what was said or written: no speaker label, no timestamp, no cue id.
    ``line`` is the 1-based line (or paragraph) number in the file where the segment starts.
    Times are seconds from the start of the recording.
    """

    text: str
    speaker: str | None = None
    start_time: float | None = None
    end_time: float | None = None
    heading: str | None = None
    page: int | None = None
    line: int | None = None


@dataclass
class Parsed:
    """What a reader returns: the turns, the format name, a hint about the kind, and warnings."""

    turns: list[Turn]
    format: str
    kind_hint: str | None = None  # "transcript", "notes" or "dokument"
    warnings: list[str] = field(default_factory=list)
    preamble: list[str] = field(default_factory=list)  # title/metadata lines before the first turn
