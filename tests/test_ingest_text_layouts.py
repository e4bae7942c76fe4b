"""Plain-text transcripts as other tools and people write them: speaker layouts, times, rosters,
encodings. Every file here is written by the test in the layout it stands for (fictional text)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from workbench.errors import InputError, WorkbenchError
from workbench.ingest import build_canonical, read_file
from workbench.ingest.readers import plaintext
from workbench.ingest.text import decode, read_lines, text_to_parsed


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    p = tmp_path / name
    p.write_bytes(text.replace("\n", newline).encode(encoding))
    return p


def turns_of(parsed):
    return [(t.speaker, t.text) for t in parsed.turns]


def no_digit_speakers(parsed):
    return all(t.speaker is None or any(c.isalpha() for c in t.speaker) for t in parsed.turns)


# ---------------------------------------------------------------- colon labels and false positives

def test_colon_label_variants_and_colon_sentences_that_are_not_speakers(tmp_path):
    p = write(tmp_path, "fg.txt", (
        "Fokusgruppe om bolig i Nordvik\n"
        "Tema: bolig og tomter\n\n"
        "MODERATOR: Velkommen, alle sammen.\n"
        "Edit: lydfila starter litt sent.\n\n"
        "Kari Nordmann : Takk. Vi har mangel på utleieboliger.\n"
        "I'm: not sure hva kommunen gjør nå.\n\n"
        "MODERATOR: Hva med tomter?\n\n"
        "Ola Fjell [00:04:10]: Merk: dette er min mening, ikke kommunens.\n"
        "Vi har nok tomter, men ingen bygger.\n\n"
        "Kari Nordmann : Enig.\n\n"
        "Ola Fjell: Takk for meg.\n"
    ))
    parsed = read_file(p)
    assert parsed.kind_hint == "transcript"
    assert turns_of(parsed) == [
        ("MODERATOR", "Velkommen, alle sammen.\nEdit: lydfila starter litt sent."),
        ("Kari Nordmann", "Takk. Vi har mangel på utleieboliger.\nI'm: not sure hva kommunen gjør nå."),
        ("MODERATOR", "Hva med tomter?"),
        ("Ola Fjell", "Merk: dette er min mening, ikke kommunens.\nVi har nok tomter, men ingen bygger."),
        ("Kari Nordmann", "Enig."),
        ("Ola Fjell", "Takk for meg."),
    ]
    assert parsed.turns[3].start_time == 250.0
    assert parsed.preamble == ["Fokusgruppe om bolig i Nordvik", "Tema: bolig og tomter"]
    # the researcher is told which line-initial "labels" were read as text
    assert any(w.startswith("fg.txt:5: 'Edit:' does not recur as a turn start") for w in parsed.warnings)
    assert any(w.startswith("fg.txt:8: 'I'm:'") for w in parsed.warnings)


def test_labels_typed_with_no_break_spaces_are_labels_and_the_text_keeps_its_own(tmp_path):
    # Word puts a no-break space in "Kari Hansen" or before a time when the writer asked it to keep
    # the two together; the label is read as if it were a space, the spoken text is kept as typed.
    p = write(tmp_path, "nbsp.txt", (
        "Intervjuer\u00a0[00:00:05]: Hvor mange boliger mangler dere?\n\n"
        "Kari\u00a0Hansen: Rundt 10\u00a0000 kvadratmeter, sier planen.\n\n"
        "Intervjuer: Og tomter?\n\n"
        "Kari Hansen: Vi har nok tomter.\n"
    ))
    parsed = read_file(p)
    assert turns_of(parsed) == [
        ("Intervjuer", "Hvor mange boliger mangler dere?"),
        ("Kari Hansen", "Rundt 10\u00a0000 kvadratmeter, sier planen."),
        ("Intervjuer", "Og tomter?"),
        ("Kari Hansen", "Vi har nok tomter."),
    ]
    assert parsed.turns[0].start_time == 5.0


def test_notes_with_colon_sentences_stay_notes(tmp_path):
    p = write(tmp_path, "notat.md", (
        "# Referat fra arbeidsmøte\n\n"
        "Tema: bolig\n\n"
        "Merk: dette er foreløpige notater.\n\n"
        "Edit: la til punktet om tomter.\n\n"
        "- Mangel på utleieboliger\n"
        "- Tomter finnes, men ingen bygger\n"
    ))
    parsed = read_file(p)
    assert parsed.kind_hint == "notes"
    assert all(t.speaker is None for t in parsed.turns)
    assert [t.text for t in parsed.turns][:3] == ["Tema: bolig", "Merk: dette er foreløpige notater.",
                                                  "Edit: la til punktet om tomter."]


def test_a_speaker_heard_once_between_two_turns_of_another_and_numbered_families(tmp_path):
    p = write(tmp_path, "intervju.txt", (
        "Intervjuer: Hvem er med i dag?\n"
        "Informant 1: Jeg er fra kommunen.\n"
        "Intervjuer: Og du?\n"
        "Informant 2: Jeg er fra fylket.\n"
        "Intervjuer: Takk.\n"
        "Informant 1: Bare hyggelig.\n"
        "Informant 3: Jeg kom litt sent.\n"
        "Intervjuer: Velkommen.\n"
        "Merk: opptaket stoppet her.\n"
        "Informant 1: Skal vi fortsette?\n"
    ))
    parsed = read_file(p)
    assert [t.speaker for t in parsed.turns] == ["Intervjuer", "Informant 1", "Intervjuer", "Informant 2",
                                                 "Intervjuer", "Informant 1", "Informant 3", "Intervjuer",
                                                 "Informant 1"]
    assert parsed.turns[7].text == "Velkommen.\nMerk: opptaket stoppet her."


@pytest.mark.parametrize("first", ["Intervjuer: Fortell.", "Intervjuer: Hva skjedde i fase 1?",
                                   "Moderator: Vi begynner med samarbeidet med staten.",
                                   "Intervjuar: Eg vil starte med fase 1.",
                                   "Intervjuer: Beskriv samarbeidet med fylkeskommunen.",
                                   "Intervjuer: Samarbeidet fungerte godt."])
def test_an_interview_role_heard_once_with_speech_is_a_speaker_not_a_title_line(tmp_path, first):
    p = write(tmp_path, "intervju.txt", (
        f"{first}\n"
        "Kari: Vi startet i 2022 med en arbeidsgruppe.\n"
        "Per: Ja, og staten kom inn senere.\n"
        "Kari: Det tok tid.\n"
        "Per: Enig.\n"
    ))
    parsed = read_file(p)
    label, said = first.split(": ", 1)
    assert parsed.preamble == []
    assert turns_of(parsed)[0] == (label, said)
    assert [t.speaker for t in parsed.turns] == [label, "Kari", "Per", "Kari", "Per"]
    assert not parsed.warnings


def test_an_interview_role_heard_once_mid_file_with_a_question_is_its_own_turn(tmp_path):
    p = write(tmp_path, "intervju.txt", (
        "Kari: Vi startet i 2022 med en arbeidsgruppe.\n"
        "Per: Ja, og staten kom inn senere.\n"
        "Intervjuer: Kan du si mer om det?\n"
        "Kari: Det tok tid.\n"
        "Per: Enig.\n"
    ))
    parsed = read_file(p)
    assert turns_of(parsed)[1:3] == [("Per", "Ja, og staten kom inn senere."),
                                     ("Intervjuer", "Kan du si mer om det?")]


@pytest.mark.parametrize("header", ["Intervjuer: Kari Hansen", "Intervjuer: K. Hansen, SINTEF",
                                    "Informant: prosjektleder, Fjellvik kommune",
                                    "Intervjuer: Kari Hansen og Per de Vries",
                                    "Moderator: Kari Hansen (forsker, NIBR).",
                                    "Intervjuer: Kari Hansen, forsker ved NIBR.",
                                    "Informant: prosjektleder i Fjellvik kommune.",
                                    "Intervjuer: Kari Hansen og Per Dahl.",
                                    "Informant: Ordfører i Fjellvik.", "Intervjuer: Anne de la Cour."])
def test_a_header_naming_the_interviewer_stays_a_title_line(tmp_path, header):
    p = write(tmp_path, "intervju.txt", (
        f"{header}\n"
        "Ola: Vi startet i 2022 med en arbeidsgruppe.\n"
        "Per: Ja, og staten kom inn senere.\n"
        "Ola: Det tok tid.\n"
        "Per: Enig.\n"
    ))
    parsed = read_file(p)
    assert parsed.preamble == [header]
    assert [t.speaker for t in parsed.turns] == ["Ola", "Per", "Ola", "Per"]


def test_markdown_bold_labels(tmp_path):
    p = write(tmp_path, "intervju.md", (
        "# Intervju med prosjektleder\n\n"
        "**Intervjuer:** Hvordan går arbeidet?\n\n"
        "**Prosjektleder** [00:00:40]: Sakte, men sikkert.\n\n"
        "**Intervjuer**: Hva er vanskeligst?\n\n"
        "**Prosjektleder:** Å få tak i folk.\n\n"
        "**Viktig** poeng til slutt.\n"
    ))
    parsed = read_file(p)
    assert turns_of(parsed) == [
        ("Intervjuer", "Hvordan går arbeidet?"),
        ("Prosjektleder", "Sakte, men sikkert."),
        ("Intervjuer", "Hva er vanskeligst?"),
        ("Prosjektleder", "Å få tak i folk.\n**Viktig** poeng til slutt."),
    ]
    assert parsed.turns[1].start_time == 40.0


# ---------------------------------------------------------------- labels alone on their line

def test_labels_alone_on_their_line_caps_and_colon(tmp_path):
    p = write(tmp_path, "fg.txt", (
        "INNLEDNING\n\n"
        "INTERVJUER\nHvordan har samarbeidet vært?\n"
        "INFORMANT 1\nDet har vært bra.\nMen det tar tid.\n"
        "INTERVJUER\nTakk.\n"
        "Kari:\nJeg vil legge til noe.\n"
        "INFORMANT 1\nJa.\n"
        "Kari:\nTil slutt: bolig.\n"
    ))
    parsed = read_file(p)
    assert turns_of(parsed) == [
        ("INTERVJUER", "Hvordan har samarbeidet vært?"),
        ("INFORMANT 1", "Det har vært bra.\nMen det tar tid."),
        ("INTERVJUER", "Takk."),
        ("Kari", "Jeg vil legge til noe."),
        ("INFORMANT 1", "Ja."),
        ("Kari", "Til slutt: bolig."),
    ]
    assert parsed.preamble == ["INNLEDNING"]


def test_caps_word_said_right_under_a_label_is_speech(tmp_path):
    p = write(tmp_path, "fg.txt", (
        "INTERVJUER\nHar du tid?\n"
        "INFORMANT 1\nOK\nmen bare litt.\n"
        "INTERVJUER\nFint.\n"
        "INFORMANT 1\nOK\nsier jeg.\n"
    ))
    assert turns_of(read_file(p)) == [("INTERVJUER", "Har du tid?"), ("INFORMANT 1", "OK\nmen bare litt."),
                                      ("INTERVJUER", "Fint."), ("INFORMANT 1", "OK\nsier jeg.")]


def headings_of(parsed):
    return [(t.heading, t.speaker, t.text) for t in parsed.turns]


def test_headings_in_capitals_between_colon_turns_and_recurring_ones(tmp_path):
    """Capitals on a line of their own followed by a turn start are a heading, also without a heading
    word ("SAMARBEID MED STATEN") or when the line recurs ("OPPSUMMERING" after each part: it never has
    speech under it); two heading lines one after the other are one heading."""
    p = write(tmp_path, "fg.txt", (
        "Moderator: Velkommen til fokusgruppa om bolig i Nordvik.\n"
        "Informant: Takk, vi er glade for å være med.\n\n"
        "SAMARBEID MED STATEN\n\n"
        "Moderator: Hvordan har samarbeidet med staten vært?\n"
        "Informant: Bra, men det tar tid.\n\n"
        "OPPSUMMERING\n\n"
        "Moderator: Så samarbeidet er bra, men tregt?\n"
        "Informant: Ja, det stemmer.\n\n"
        "DEL 2\n"
        "ØKONOMI\n\n"
        "Moderator: Hvem betaler for boligene?\n"
        "Informant: Kommunen, med lån fra Husbanken.\n\n"
        "OPPSUMMERING\n\n"
        "Moderator: Kommunen betaler, altså.\n"
        "Informant: Ja.\n"
    ))
    parsed = read_file(p)
    assert headings_of(parsed) == [
        (None, "Moderator", "Velkommen til fokusgruppa om bolig i Nordvik."),
        (None, "Informant", "Takk, vi er glade for å være med."),
        ("SAMARBEID MED STATEN", "Moderator", "Hvordan har samarbeidet med staten vært?"),
        ("SAMARBEID MED STATEN", "Informant", "Bra, men det tar tid."),
        ("OPPSUMMERING", "Moderator", "Så samarbeidet er bra, men tregt?"),
        ("OPPSUMMERING", "Informant", "Ja, det stemmer."),
        ("DEL 2 ØKONOMI", "Moderator", "Hvem betaler for boligene?"),
        ("DEL 2 ØKONOMI", "Informant", "Kommunen, med lån fra Husbanken."),
        ("OPPSUMMERING", "Moderator", "Kommunen betaler, altså."),
        ("OPPSUMMERING", "Informant", "Ja."),
    ]
    assert not parsed.warnings


def test_text_under_a_heading_in_capitals_goes_on_as_the_previous_speakers_turn(tmp_path):
    p = write(tmp_path, "intervju.txt", (
        "MODERATOR\nVelkommen til intervjuet.\n\n"
        "INFORMANT 1\nTakk.\n\n"
        "MODERATOR\nDa går vi over til samarbeidet.\n\n"
        "TEMA 2: SAMARBEID MED STATEN\n\n"
        "Hvordan har det gått med staten?\n\n"
        "INFORMANT 1\nBedre enn ventet.\n\n"
        "MODERATOR\nTakk for svaret.\n"
    ))
    parsed = read_file(p)
    assert headings_of(parsed) == [
        (None, "MODERATOR", "Velkommen til intervjuet."),
        (None, "INFORMANT 1", "Takk."),
        (None, "MODERATOR", "Da går vi over til samarbeidet."),
        ("TEMA 2: SAMARBEID MED STATEN", "MODERATOR", "Hvordan har det gått med staten?"),
        ("TEMA 2: SAMARBEID MED STATEN", "INFORMANT 1", "Bedre enn ventet."),
        ("TEMA 2: SAMARBEID MED STATEN", "MODERATOR", "Takk for svaret."),
    ]
    assert not parsed.warnings


def test_capitals_that_behave_like_speech_or_labels_are_no_headings(tmp_path):
    """Recurring labels in capitals with speech under them ("SPØRSMÅL:", "SVAR:") stay speakers, capitals
    right under a label alone are what was said, and in a transcript typed in capitals nothing is a
    heading."""
    p = write(tmp_path, "qa.txt", (
        "SPØRSMÅL:\nHva mener du om avtalen?\n"
        "SVAR:\nDen er god for kommunen.\n"
        "SPØRSMÅL:\nOg staten?\n"
        "SVAR:\nDen har vært grei.\n"
    ))
    assert headings_of(read_file(p)) == [
        (None, "SPØRSMÅL", "Hva mener du om avtalen?"), (None, "SVAR", "Den er god for kommunen."),
        (None, "SPØRSMÅL", "Og staten?"), (None, "SVAR", "Den har vært grei.")]
    p = write(tmp_path, "under.txt", (
        "INTERVJUER\nHvordan gikk møtet?\n\n"
        "INFORMANT 1\nSAMARBEID MED STATEN\nvar temaet, og det gikk fint.\n\n"
        "INTERVJUER\nTakk.\n\n"
        "INFORMANT 1\nBare hyggelig.\n"
    ))
    assert headings_of(read_file(p))[1] == (None, "INFORMANT 1", "SAMARBEID MED STATEN\nvar temaet, og det gikk fint.")
    p = write(tmp_path, "store.txt", (
        "MODERATOR\nHVORDAN HAR DET GÅTT\n\n"
        "INFORMANT\nDET HAR GÅTT BRA\nMEN DET TAR TID\n\n"
        "MODERATOR\nOG TILLITEN TIL STATEN\n\n"
        "INFORMANT\nDEN HAR ØKT MYE\n"
    ))
    assert headings_of(read_file(p)) == [
        (None, "MODERATOR", "HVORDAN HAR DET GÅTT"), (None, "INFORMANT", "DET HAR GÅTT BRA\nMEN DET TAR TID"),
        (None, "MODERATOR", "OG TILLITEN TIL STATEN"), (None, "INFORMANT", "DEN HAR ØKT MYE")]


# ---------------------------------------------------------------- [label] text (QualCoder style)

def test_bracket_labels_without_roster_when_they_recur(tmp_path):
    p = write(tmp_path, "qc.txt", (
        "[id1] Hvordan har samarbeidet med staten vært?\n"
        "[id2] Det har vært bedre enn ventet.\n"
        "[ler] Ja, virkelig bedre.\n"
        "[id1] Kan du gi et eksempel?\n"
        "[id2] Husbanken kom tidlig inn.\n"
    ))
    parsed = read_file(p)
    assert turns_of(parsed) == [
        ("id1", "Hvordan har samarbeidet med staten vært?"),
        ("id2", "Det har vært bedre enn ventet.\n[ler] Ja, virkelig bedre."),
        ("id1", "Kan du gi et eksempel?"),
        ("id2", "Husbanken kom tidlig inn."),
    ]


def test_labels_followed_by_a_tab_instead_of_a_colon(tmp_path):
    p = write(tmp_path, "tab.txt", (
        "Intervju 6, Vestbygda\n\n"
        "Int\tKva tenkjer du om bygdemøta?\n"
        "IP1\tDei har vore nyttige. (latter) Men lange.\n"
        "[uklart] ... særleg det fyrste.\n"
        "Int [00:01:10]\tKvifor det?\n"
        "IP1 [00:01:14]\tFor mange tema på ein gong.\n"
    ))
    parsed = read_file(p)
    assert turns_of(parsed) == [
        ("Int", "Kva tenkjer du om bygdemøta?"),
        ("IP1", "Dei har vore nyttige. (latter) Men lange.\n[uklart] ... særleg det fyrste."),
        ("Int", "Kvifor det?"),
        ("IP1", "For mange tema på ein gong."),
    ]
    assert [t.start_time for t in parsed.turns] == [None, None, 70.0, 74.0]
    assert parsed.preamble == ["Intervju 6, Vestbygda"]
    # a two-column list and a table saved as text are not speakers
    for text in ("Oversikt\n\nKommune\tFjellvik\nKommune\tNordøya\nKommune\tSørvik\n",
                 "Oversikt\n\nKommune\tFjellvik\tNordland\nKommune\tNordøya\tTroms\nFylke\tNordland\tx\n"):
        parsed = read_file(write(tmp_path, "liste.txt", text))
        assert parsed.kind_hint == "notes" and all(t.speaker is None for t in parsed.turns)


def test_transcription_notes_in_brackets_are_text_without_a_speaker_warning(tmp_path):
    p = write(tmp_path, "fg.txt", (
        "Moderator: Da begynner vi.\n"
        "[Pause 3 sek]\n"
        "Deltaker 1: Ja, endelig.\n"
        "[Latter og prat]\n"
        "Moderator: Kva tenkjer de om møteplassane?\n"
        "Deltaker 2: Dei er for få.\n"
        "Deltaker 1: Og for langt unna.\n"
    ))
    parsed = read_file(p)
    assert turns_of(parsed) == [
        ("Moderator", "Da begynner vi.\n[Pause 3 sek]"),
        ("Deltaker 1", "Ja, endelig.\n[Latter og prat]"),
        ("Moderator", "Kva tenkjer de om møteplassane?"),
        ("Deltaker 2", "Dei er for få."),
        ("Deltaker 1", "Og for langt unna."),
    ]
    assert parsed.warnings == []


def test_bracket_labels_with_roster_also_when_a_label_occurs_once(tmp_path):
    text = ("[Intervjuer] Hva skjedde i 2023?\n"
            "[Ordfører Nordvik] Vi fikk avtalen på plass.\n"
            "[Intervjuer] Og så?\n"
            "[Rådgiver] Jeg kan svare på det.\n"
            "[Intervjuer] Takk.\n")
    p = write(tmp_path, "qc.txt", text)
    without = read_file(p)
    assert "Rådgiver" not in {t.speaker for t in without.turns}  # once, no roster: text
    parsed = read_file(p, roster={"Intervjuer", "Ordfører Nordvik", "Rådgiver"})
    assert turns_of(parsed) == [
        ("Intervjuer", "Hva skjedde i 2023?"),
        ("Ordfører Nordvik", "Vi fikk avtalen på plass."),
        ("Intervjuer", "Og så?"),
        ("Rådgiver", "Jeg kan svare på det."),
        ("Intervjuer", "Takk."),
    ]
    assert parsed.warnings == []


# ---------------------------------------------------------------- name line + time line

ZOOM_TXT = """Kari Nordmann
00:00:05
Hei alle sammen, og velkommen.
Vi starter med boligsituasjonen.

Ola Fjell
00:00:41
Takk. Edit: jeg mener utleieboliger.
Kari: kan du dele skjermen?

Kari Nordmann
00:01:03
Ja, her.

Siri
00:01:20
Jeg har bare ett innspill.

Ola Fjell
00:02:00
Da går vi videre.
"""


@pytest.mark.parametrize("compact", [False, True], ids=["blank-lines", "compact"])
def test_zoom_save_transcript_txt(tmp_path, compact):
    text = ZOOM_TXT.replace("\n\n", "\n") if compact else ZOOM_TXT
    parsed = read_file(write(tmp_path, "zoom.txt", text, newline="\r\n"))
    assert parsed.kind_hint == "transcript"
    assert turns_of(parsed) == [
        ("Kari Nordmann", "Hei alle sammen, og velkommen.\nVi starter med boligsituasjonen."),
        ("Ola Fjell", "Takk. Edit: jeg mener utleieboliger.\nKari: kan du dele skjermen?"),
        ("Kari Nordmann", "Ja, her."),
        ("Siri", "Jeg har bare ett innspill."),  # speaks once: still a speaker, never glued
        ("Ola Fjell", "Da går vi videre."),
    ]
    assert [t.start_time for t in parsed.turns] == [5.0, 41.0, 63.0, 80.0, 120.0]
    assert no_digit_speakers(parsed)
    assert parsed.preamble == []
    canonical, _ = build_canonical(parsed)
    assert "00:00:41\n" not in canonical


def test_zoom_roster_with_an_unlisted_name(tmp_path):
    parsed = read_file(write(tmp_path, "zoom.txt", ZOOM_TXT), roster={"Kari Nordmann", "Ola Fjell"})
    assert [t.speaker for t in parsed.turns] == ["Kari Nordmann", "Ola Fjell", "Kari Nordmann", "Siri", "Ola Fjell"]
    assert parsed.warnings == ["zoom.txt:15: speaker 'Siri' is not in participants.csv; stored as its own "
                               "speaker without an actor; add a row to give the actor"]


# Zoom's saved meeting chat (and saved captions): older Zoom writes a line per message, newer Zoom the
# recipient after the name and the message on the next line, tab indented; some versions separate the
# time with a tab and pad with two spaces. Fictional names.
ZOOM_CHAT_LAYOUTS = {
    "one-line": (
        "10:02:15 From Siri Vangen : Hei alle sammen, velkommen.\n"
        "10:02:20 From Ola Bekkestad : Takk for det.\n"
        "10:02:31 From Siri Vangen : Da starter vi med første spørsmål.\n"
        "10:03:05 From Per Åsheim : Jeg kan ta det.\n"
        "10:03:40 From Ola Bekkestad : Og jeg fortsetter: med tiltakene.\n"),
    "to-everyone": (
        "10:02:15 From Siri Vangen to Everyone: Hei alle sammen, velkommen.\n"
        "10:02:20 From Ola Bekkestad to Everyone: Takk for det.\n"
        "10:02:31 From Siri Vangen to Everyone: Da starter vi med første spørsmål.\n"
        "10:03:05 From Per Åsheim to Alle: Jeg kan ta det.\n"
        "10:03:40 From Ola Bekkestad to Siri Vangen(Direct Message): Og jeg fortsetter: med tiltakene.\n"),
    "two-line": (
        "10:02:15 From Siri Vangen to Everyone:\n\tHei alle sammen, velkommen.\n"
        "10:02:20 From Ola Bekkestad to Everyone:\n\tTakk for det.\n"
        "10:02:31 From Siri Vangen to Everyone:\n\tDa starter vi med første spørsmål.\n"
        "10:03:05 From Per Åsheim to Everyone:\n\tJeg kan ta det.\n"
        "10:03:40 From Ola Bekkestad to Siri Vangen(Direct Message):\n\tOg jeg fortsetter: med tiltakene.\n"),
    "tabs-norwegian": (
        "10:02:15\t Fra  Siri Vangen  til  alle : Hei alle sammen, velkommen.\n"
        "10:02:20\t Fra  Ola Bekkestad  til  alle : Takk for det.\n"
        "10:02:31\t Fra  Siri Vangen  til  alle : Da starter vi med første spørsmål.\n"
        "10:03:05\t Fra  Per Åsheim  til  alle : Jeg kan ta det.\n"
        "10:03:40\t From  Ola Bekkestad  to  Siri Vangen (Privately) : Og jeg fortsetter: med tiltakene.\n"),
}


@pytest.mark.parametrize("layout", sorted(ZOOM_CHAT_LAYOUTS))
def test_zoom_saved_chat_names_are_speakers_and_a_one_time_speaker_is_never_glued(tmp_path, layout):
    parsed = read_file(write(tmp_path, "chat.txt", ZOOM_CHAT_LAYOUTS[layout]))
    assert turns_of(parsed) == [
        ("Siri Vangen", "Hei alle sammen, velkommen."),
        ("Ola Bekkestad", "Takk for det."),
        ("Siri Vangen", "Da starter vi med første spørsmål."),
        ("Per Åsheim", "Jeg kan ta det."),  # writes once: a speaker of its own, no time in any text
        ("Ola Bekkestad", "Og jeg fortsetter: med tiltakene."),
    ]
    # times of day, counted from the first message
    assert [t.start_time for t in parsed.turns] == [0.0, 5.0, 16.0, 50.0, 85.0]
    assert len(parsed.warnings) == 1 and "clock times" in parsed.warnings[0]


def test_zoom_saved_chat_with_a_roster_and_in_word(tmp_path):
    text = ZOOM_CHAT_LAYOUTS["to-everyone"]
    parsed = read_file(write(tmp_path, "chat.txt", text), roster={"Siri Vangen", "Ola Bekkestad"})
    assert [t.speaker for t in parsed.turns] == ["Siri Vangen", "Ola Bekkestad", "Siri Vangen", "Per Åsheim",
                                                 "Ola Bekkestad"]
    assert parsed.warnings[0] == ("chat.txt:4: speaker 'Per Åsheim' is not in participants.csv; stored as its own "
                                  "speaker without an actor; add a row to give the actor")
    import docx

    d = docx.Document()
    for line in text.splitlines():
        d.add_paragraph(line)
    d.save(tmp_path / "chat.docx")
    parsed = read_file(tmp_path / "chat.docx")
    assert [t.speaker for t in parsed.turns] == ["Siri Vangen", "Ola Bekkestad", "Siri Vangen", "Per Åsheim",
                                                 "Ola Bekkestad"]
    assert parsed.turns[3].text == "Jeg kan ta det."


def test_a_line_with_a_time_of_day_and_a_label_is_never_text_of_the_turn_before(tmp_path):
    # a chat or log written "time Name: text" where one person writes once
    parsed = read_file(write(tmp_path, "logg.txt", (
        "10:02:15 Siri Vangen: Hei alle.\n"
        "10:02:20 Ola Bekkestad: Takk.\n"
        "10:02:31 Siri Vangen: Første spørsmål.\n"
        "[10:03:05] Per Åsheim: Jeg kan ta det.\n"
        "10:03:40 Ola Bekkestad: Og jeg.\n")))
    assert turns_of(parsed) == [("Siri Vangen", "Hei alle."), ("Ola Bekkestad", "Takk."),
                                ("Siri Vangen", "Første spørsmål."), ("Per Åsheim", "Jeg kan ta det."),
                                ("Ola Bekkestad", "Og jeg.")]
    assert parsed.turns[3].start_time == 50.0
    # two such lines of two people are a chat too
    parsed = read_file(write(tmp_path, "to.txt", "10:02:15 Siri Vangen: Hei.\n10:03:05 Per Åsheim: Hei selv.\n"))
    assert turns_of(parsed) == [("Siri Vangen", "Hei."), ("Per Åsheim", "Hei selv.")]
    # an agenda is no chat: a time and a colon once, among notes, stays text
    parsed = read_file(write(tmp_path, "program.txt", "Program\n10:00:00 Velkomst: ordfører\n10:30:00 Kaffe\n"))
    assert [t.speaker for t in parsed.turns] == [None]
    # "From" followed by no name is no Zoom line
    parsed = read_file(write(tmp_path, "fra.txt", (
        "Kari: Hei.\nOla: Hei.\n10:02:15 From the start: vi ventet.\nKari: Ja.\nOla: Nei.\n")))
    assert [t.speaker for t in parsed.turns] == ["Kari", "Ola", "Kari", "Ola"]
    assert parsed.turns[1].text == "Hei.\n10:02:15 From the start: vi ventet."


def test_otter_and_teams_name_and_time_on_one_line(tmp_path):
    p = write(tmp_path, "otter.txt", (
        "Kari Nordmann  0:03\n"
        "Hei alle sammen. Vi tar en kort runde.\n\n"
        "Ola Fjell  0:15\n"
        "Hei. Kari: du hakker litt.\n\n"
        "Kari Nordmann  1:02\n"
        "Beklager, nå bedre?\n\n"
        "Speaker 3  1:30\n"
        "Jeg er ny i prosjektet.\n\n"
        "Ola Fjell  75:12\n"
        "Da avslutter vi.\n"
    ))
    parsed = read_file(p)
    assert turns_of(parsed) == [
        ("Kari Nordmann", "Hei alle sammen. Vi tar en kort runde."),
        ("Ola Fjell", "Hei. Kari: du hakker litt."),
        ("Kari Nordmann", "Beklager, nå bedre?"),
        ("Speaker 3", "Jeg er ny i prosjektet."),
        ("Ola Fjell", "Da avslutter vi."),
    ]
    assert [t.start_time for t in parsed.turns] == [3.0, 15.0, 62.0, 90.0, 4512.0]


def test_time_range_line_then_name_line(tmp_path):
    p = write(tmp_path, "stream.txt", (
        "0:0:0.0 --> 0:0:3.620\nKari Nordmann\nHei alle sammen.\n\n"
        "0:0:3.620 --> 0:0:8.0\nOla Fjell\nHei, Kari.\nGodt å se deg.\n\n"
        "0:0:8.0 --> 0:0:12.500\nKari Nordmann\nDa begynner vi.\n"
    ))
    parsed = read_file(p)
    assert turns_of(parsed) == [("Kari Nordmann", "Hei alle sammen."),
                                ("Ola Fjell", "Hei, Kari.\nGodt å se deg."),
                                ("Kari Nordmann", "Da begynner vi.")]
    assert [(t.start_time, t.end_time) for t in parsed.turns] == [(0.0, 3.62), (3.62, 8.0), (8.0, 12.5)]
    assert parsed.preamble == []


def test_bracketed_name_with_clock_time(tmp_path):
    p = write(tmp_path, "teksting.txt", (
        "[Kari Nordmann] 10:15:32\nHei alle sammen\n"
        "[Ola Fjell] 10:15:40\nHei\n"
        "[Kari Nordmann] 10:16:01\nDa starter vi\n"
    ))
    parsed = read_file(p)
    assert turns_of(parsed) == [("Kari Nordmann", "Hei alle sammen"), ("Ola Fjell", "Hei"),
                                ("Kari Nordmann", "Da starter vi")]
    # times of day, not times in the recording: stored from the first one, with one warning
    assert [t.start_time for t in parsed.turns] == [0.0, 8.0, 29.0]
    assert len(parsed.warnings) == 1
    assert parsed.warnings[0].startswith("teksting.txt:1: the times are clock times (the first is 10:15:32")


def test_label_with_time_and_text_on_the_next_line_rev_style(tmp_path):
    p = write(tmp_path, "rev.txt", (
        "Speaker 1 (00:05):\nHei, og velkommen.\n\n"
        "Speaker 2 (00:12):\nTakk for det.\n\n"
        "Speaker 1 (01:05):\nVi starter med bolig.\n"
    ))
    parsed = read_file(p)
    assert turns_of(parsed) == [("Speaker 1", "Hei, og velkommen."), ("Speaker 2", "Takk for det."),
                                ("Speaker 1", "Vi starter med bolig.")]
    assert [t.start_time for t in parsed.turns] == [5.0, 12.0, 65.0]


def test_whisper_time_ranges_before_bracketed_speaker_ids(tmp_path):
    p = write(tmp_path, "whisper.txt", (
        "[00:00.000 --> 00:05.000] [SPEAKER_00]: Da har opptaket startet.\n"
        "[00:05.000 --> 00:09.000] [SPEAKER_01]: Ja, no høyrer eg deg.\n"
        "[00:09.000 --> 00:12.000] [SPEAKER_00]: Fint.\n"
    ))
    parsed = read_file(p)
    assert turns_of(parsed) == [("SPEAKER_00", "Da har opptaket startet."), ("SPEAKER_01", "Ja, no høyrer eg deg."),
                                ("SPEAKER_00", "Fint.")]
    assert [t.start_time for t in parsed.turns] == [0.0, 5.0, 9.0]


@pytest.mark.parametrize("footer", ["Transcribed by https://otter.ai", "Transcribed by Otter.ai",
                                    "Transcribed by https://otter.ai on 3. mars 2024 kl. 10:15"])
def test_otter_footer_is_dropped_not_stored_as_speech(tmp_path, footer):
    p = write(tmp_path, "otter.txt", (
        "Kari Nordmann  0:03\n"
        "Hei alle sammen. Vi bruker et verktøy som heter Otter, transcribed by otter.ai sier de.\n\n"
        "Ola Fjell  0:15\n"
        "Takk. Vi avslutter der.\n\n"
        f"{footer}\n\n"
    ))
    parsed = read_file(p)
    assert turns_of(parsed) == [
        ("Kari Nordmann", "Hei alle sammen. Vi bruker et verktøy som heter Otter, transcribed by otter.ai sier de."),
        ("Ola Fjell", "Takk. Vi avslutter der."),
    ]
    assert footer not in build_canonical(parsed)[0]
    # notes that end with the footer: the footer is no paragraph of its own
    notes = read_file(write(tmp_path, "notat.txt", f"Befaring i Nordvik.\n\nVi så på tomtene.\n\n{footer}\n"))
    assert [t.text for t in notes.turns] == ["Befaring i Nordvik.", "Vi så på tomtene."]


def test_transcription_notices_are_not_speech_but_a_sentence_about_them_is(tmp_path):
    p = write(tmp_path, "teams.txt", (
        "Kari Nordmann  0:03\nHei alle sammen.\n\nKari Nordmann stoppet transkripsjon\n"
        "Kari Nordmann startet transkripsjon\n\n"
        "Ola Fjell  0:15\nTakk. Vi stoppet transkripsjonen i stad.\nVi stoppet transkripsjon\n\n"
        "Ola Fjell stopped transcription\n"
    ))
    parsed = read_file(p)
    assert turns_of(parsed) == [("Kari Nordmann", "Hei alle sammen."),
                                ("Ola Fjell", "Takk. Vi stoppet transkripsjonen i stad.\nVi stoppet transkripsjon")]
    notes = read_file(write(tmp_path, "notat.txt", "Befaring i Nordvik.\nKari Nordmann startet transkripsjon\n"
                                                   "Vi så på tomtene.\n"))
    assert [t.text for t in notes.turns] == ["Befaring i Nordvik.", "Vi så på tomtene."]


def test_lower_case_labels_that_recur_are_speakers(tmp_path):
    p = write(tmp_path, "intervju.txt", (
        "Intervju med daglig leder, Nordvik\n\n"
        "i: Hvordan startet dere?\n"
        "r: Vi begynte i 2022. Det var tre av oss.\n"
        "i: Hvem var med fra kommunen?\n"
        "r: Rådgiveren.\n"
        "i: [00:04:10] Og nå?\n"
        "r: Vi er ti.\n"
    ))
    parsed = read_file(p)
    assert parsed.kind_hint == "transcript"
    assert turns_of(parsed) == [
        ("i", "Hvordan startet dere?"), ("r", "Vi begynte i 2022. Det var tre av oss."),
        ("i", "Hvem var med fra kommunen?"), ("r", "Rådgiveren."), ("i", "Og nå?"), ("r", "Vi er ti."),
    ]
    assert parsed.turns[4].start_time == 250.0
    assert parsed.preamble == ["Intervju med daglig leder, Nordvik"]
    # codes with digits and role words, lower case
    p = write(tmp_path, "fg.txt", ("int: Hva betyr avtalen?\nk1: Mye.\nk2: Lite.\nint: Hvorfor?\nk1: Tillit.\n\n"
                                   "intervjuer: Takk.\ninformant: Takk selv.\nintervjuer: Ha det.\n"
                                   "informant: Ha det bra.\n"))
    assert [t.speaker for t in read_file(p).turns] == ["int", "k1", "k2", "int", "k1", "intervjuer", "informant",
                                                       "intervjuer", "informant"]
    # a lower-case respondent beside an upper-case interviewer
    p = write(tmp_path, "blandet.txt", "I: Hvordan startet dere?\nr: Vi begynte.\nI: Hvem var med?\nr: Kommunen.\n")
    assert turns_of(read_file(p)) == [("I", "Hvordan startet dere?"), ("r", "Vi begynte."), ("I", "Hvem var med?"),
                                      ("r", "Kommunen.")]


def test_lower_case_i_at_a_line_start_in_prose_is_not_a_speaker(tmp_path):
    # "i" is a preposition: a line of prose that starts with "i:" is text, in a transcript and in notes
    p = write(tmp_path, "fg.txt", (
        "I: Hvordan startet dere?\n"
        "R: Vi begynte i 2022. Det vi visste\n"
        "i: korte trekk var at vi måtte bygge boliger.\n"
        "I: Og nå?\n"
        "R: Vi bygger.\n"
    ))
    parsed = read_file(p)
    assert turns_of(parsed) == [
        ("I", "Hvordan startet dere?"),
        ("R", "Vi begynte i 2022. Det vi visste\ni: korte trekk var at vi måtte bygge boliger."),
        ("I", "Og nå?"), ("R", "Vi bygger."),
    ]
    assert parsed.warnings == []
    notes = read_file(write(tmp_path, "notat.txt", (
        "Reisenotat\n\ni: Nordvik var det kaldt.\nVi dro hjem.\n\ni: Sørvik regnet det.\n\n"
        "obs: lyden forsvant.\nobs: lyden kom tilbake.\n")))
    assert notes.kind_hint == "notes"
    assert all(t.speaker is None for t in notes.turns)
    assert [t.text for t in notes.turns][1:3] == ["i: Nordvik var det kaldt.\nVi dro hjem.", "i: Sørvik regnet det."]


def test_lower_case_labels_match_the_roster_like_upper_case_ones(tmp_path):
    p = write(tmp_path, "intervju.txt", "i: Hvordan startet dere?\nr: Vi begynte i 2022.\n"
                                        "int: Hvem var med?\nr: Kommunen.\n")
    parsed = read_file(p, roster={"I", "INT", "R"})
    assert turns_of(parsed) == [("I", "Hvordan startet dere?"), ("R", "Vi begynte i 2022."),
                                ("INT", "Hvem var med?"), ("R", "Kommunen.")]
    assert parsed.warnings == []


# ---------------------------------------------------------------- minutes are not transcripts

def test_minutes_with_recurring_section_lead_ins_are_notes(tmp_path):
    p = write(tmp_path, "referat.txt", (
        "Referat fra styremøte i Nordvik utvikling\n\n"
        "Sak 3/24: Budsjett for 2025.\n"
        "Vedtak: Styret godkjente budsjettet.\n"
        "Merknad: Ola Fjell var inhabil.\n"
        "Oppfølging: Kari Nordmann sender budsjettet til kommunen.\n\n"
        "Sak 4/24: Ny nettside.\n"
        "Vedtak: Saken utsettes.\n"
        "Merknad: Ingen.\n"
        "Oppfølging: Ingen.\n\n"
        "VEDTAK\nAlle saker er behandlet.\n\nVEDTAK\nMøtet er hevet.\n"
    ))
    parsed = read_file(p)
    assert parsed.kind_hint == "notes"
    assert all(t.speaker is None for t in parsed.turns)
    assert [t.text for t in parsed.turns] == [
        "Referat fra styremøte i Nordvik utvikling",
        "Sak 3/24: Budsjett for 2025.\nVedtak: Styret godkjente budsjettet.\nMerknad: Ola Fjell var inhabil.\n"
        "Oppfølging: Kari Nordmann sender budsjettet til kommunen.",
        "Sak 4/24: Ny nettside.\nVedtak: Saken utsettes.\nMerknad: Ingen.\nOppfølging: Ingen.",
        "VEDTAK\nAlle saker er behandlet.", "VEDTAK\nMøtet er hevet.",
    ]
    # a recording of a meeting keeps its chair as a speaker: "Møteleder" is a role, not a section word
    p = write(tmp_path, "mote.txt", ("Møteleder: Velkommen. Sak 3 er budsjettet.\nKari Nordmann: Det er klart.\n"
                                     "Møteleder: Takk. Vedtak: godkjent.\nKari Nordmann: Fint.\n"))
    assert [t.speaker for t in read_file(p).turns] == ["Møteleder", "Kari Nordmann", "Møteleder", "Kari Nordmann"]


# ---------------------------------------------------------------- timestamps are never labels

def test_time_lines_are_times_never_labels(tmp_path):
    p = write(tmp_path, "fg.txt", (
        "Moderator: Da starter vi.\n\n"
        "00:12:03\n"
        "Informant: Ja, vi starter.\n\n"
        "[00:12:30]\n\n"
        "Moderator: Neste spørsmål.\n"
        "10:15:\n"
        "Informant: Det vet jeg ikke.\n"
        "10:15: Vi tok en pause her.\n"
        "Moderator: Takk.\n"
    ))
    parsed = read_file(p)
    assert no_digit_speakers(parsed)
    assert turns_of(parsed) == [
        ("Moderator", "Da starter vi."),
        ("Informant", "Ja, vi starter."),
        ("Moderator", "Neste spørsmål."),
        ("Informant", "Det vet jeg ikke.\n10:15: Vi tok en pause her."),
        ("Moderator", "Takk."),
    ]
    assert [t.start_time for t in parsed.turns] == [None, 723.0, 750.0, 615.0, None]


# ---------------------------------------------------------------- roster: unlisted speakers

MOTE = ("Møte i formannskapet\n"
        "Dato: 12.03.2024\n\n"
        "Ordfører: Velkommen. Vi starter med sak 12 om boligtomter.\n\n"
        "Rådmann Olsen: Takk. Jeg har et notat om tomtene.\n\n"
        "Ordfører: Godt. Spørsmål?\n\n"
        "Varaordfører: Når kommer notatet?\n\n"
        "Rådmann Olsen: Merk: notatet er foreløpig.\n"
        "Det kommer neste uke.\n\n"
        "Ordfører: Da er saken ferdig.\n\n"
        "Konklusjon: enstemmig vedtatt.\n")


def test_roster_keeps_an_unlisted_recurring_speaker_apart_and_warns(tmp_path):
    p = write(tmp_path, "formannskap.txt", MOTE)
    parsed = read_file(p, roster={"Ordfører", "Varaordfører"})
    assert turns_of(parsed) == [
        ("Ordfører", "Velkommen. Vi starter med sak 12 om boligtomter."),
        ("Rådmann Olsen", "Takk. Jeg har et notat om tomtene."),
        ("Ordfører", "Godt. Spørsmål?"),
        ("Varaordfører", "Når kommer notatet?"),
        ("Rådmann Olsen", "Merk: notatet er foreløpig.\nDet kommer neste uke."),
        ("Ordfører", "Da er saken ferdig.\nKonklusjon: enstemmig vedtatt."),
    ]
    assert not any("Rådmann Olsen" in t.text for t in parsed.turns)
    assert parsed.warnings[0] == ("formannskap.txt:6: speaker 'Rådmann Olsen' is not in participants.csv; stored "
                                  "as its own speaker without an actor; add a row to give the actor")
    # "Konklusjon:" is a section word of minutes, never a speaker: no warning that it might be one
    assert len(parsed.warnings) == 1


def test_strict_roster_makes_an_unlisted_speaker_an_error(tmp_path):
    p = write(tmp_path, "formannskap.txt", MOTE)
    message = ("formannskap.txt:6: speaker 'Rådmann Olsen' is not in participants.csv; "
               "add it to participants.csv or leave out --strict-roster")
    with pytest.raises(InputError) as exc:
        plaintext.read(p, {"Ordfører", "Varaordfører"}, strict_roster=True)
    assert str(exc.value) == message
    with pytest.raises(InputError, match="Rådmann Olsen"):
        text_to_parsed(MOTE, "txt", ["Ordfører", "Varaordfører"], "formannskap.txt", strict_roster=True)
    # with the speaker listed, strict is satisfied
    parsed = plaintext.read(p, {"Ordfører", "Varaordfører", "Rådmann Olsen"}, strict_roster=True)
    assert [t.speaker for t in parsed.turns].count("Rådmann Olsen") == 2


def test_roster_unlisted_speaker_heard_once_between_two_turns_is_not_merged(tmp_path):
    text = ("Ordfører: Velkommen.\n"
            "Rådmann Olsen: Takk.\n"
            "Ordfører: Da starter vi.\n"
            "Varaordfører: Ja.\n")
    parsed = text_to_parsed(text, "txt", ["Ordfører", "Varaordfører"], "m.txt")
    assert turns_of(parsed) == [("Ordfører", "Velkommen."), ("Rådmann Olsen", "Takk."),
                                ("Ordfører", "Da starter vi."), ("Varaordfører", "Ja.")]
    assert parsed.warnings == ["m.txt:2: speaker 'Rådmann Olsen' is not in participants.csv; stored as its "
                               "own speaker without an actor; add a row to give the actor"]


# ---------------------------------------------------------------- encodings

LINES = [
    ("Moderator: Velkommen til samtalen om blåbær og tyttebær.", "utf-8"),
    ("Informant 1: Vi plukket blåbær i Tromsø – særlig i august.", "cp1252"),
    ("Moderator: «Hvorfor» akkurat der? Æsj, så mye mygg.", "utf-8"),
    ("Informant 1: Fordi mørketida er lang. “Sitat” fra bestemor.", "cp1252"),
    ("Moderator: Ærlig talt, øl og ål.", "utf-8"),
]


def test_file_mixing_utf8_and_cp1252_lines(tmp_path):
    p = tmp_path / "blandet.txt"
    mixed = "Informant 1: Blåbær fra Åsen ".encode("utf-8") + "og multer fra Ørland.".encode("cp1252")
    p.write_bytes(b"\r\n".join(t.encode(e) for t, e in LINES) + b"\r\n" + mixed + b"\r\n")
    parsed = read_file(p)
    assert [t.text for t in parsed.turns] == [t.split(": ", 1)[1] for t, _ in LINES] + [
        "Blåbær fra Åsen og multer fra Ørland."]
    canonical, _ = build_canonical(parsed)
    for bad in ("\ufffd", "Ã", "Â", "â€"):
        assert bad not in canonical


def test_utf8_read_once_as_cp1252_is_repaired(tmp_path):
    garbled = "Moderator: blåbær – «fint» og Øya".encode("utf-8").decode("cp1252")
    assert "blÃ¥bÃ¦r" in garbled
    p = tmp_path / "garbled.txt"
    p.write_bytes((garbled + "\nInformant: ja\nModerator: ok\n").encode("utf-8"))
    assert read_file(p).turns[0].text == "blåbær – «fint» og Øya"


@pytest.mark.parametrize("codec,bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
                                       ("utf-16-le", b""), ("utf-8", b"\xef\xbb\xbf")])
def test_utf16_and_utf8_with_bom(tmp_path, codec, bom):
    text = "\r\n".join(t for t, _ in LINES) + "\r\n"
    p = tmp_path / "u.txt"
    p.write_bytes(bom + text.encode(codec))
    parsed = read_file(p)
    assert turns_of(parsed) == [tuple(t.split(": ", 1)) for t, _ in LINES]
    assert [t.line for t in parsed.turns] == [1, 2, 3, 4, 5]
    assert decode(p.read_bytes(), p) == text.replace("\r\n", "\n")


def test_byte_that_is_neither_utf8_nor_cp1252_names_file_and_line(tmp_path):
    p = tmp_path / "rart.txt"
    p.write_bytes(b"Moderator: hei\nInformant: \x81 rart\nModerator: ok\n")
    with pytest.raises(WorkbenchError, match=r"^rart\.txt:2: byte 0x81 is neither UTF-8 nor Windows-1252"):
        read_file(p)


def test_line_numbers_with_cr_lf_and_crlf_mixed(tmp_path):
    p = tmp_path / "x.txt"
    p.write_bytes(b"a\r\nb\rc\n\nd\r\r\ne")
    assert list(read_lines(p)) == [("a", 1), ("b", 2), ("c", 3), ("", 4), ("d", 5), ("", 6), ("e", 7)]
    assert decode(p.read_bytes(), p).split("\n") == ["a", "b", "c", "", "d", "", "e"]


# ---------------------------------------------------------------- large and hostile input

def test_long_and_pathological_lines_stay_fast(tmp_path):
    long_words = "Aa Bb Cc Dd " * 50_000                       # no colon, many capitalised words
    many_colons = "Aa: " * 50_000                              # colons everywhere
    brackets = "[" * 50_000 + "Kari" + "]" * 50_000
    times = "00:00:01 " * 20_000
    body = "".join(f"Moderator: Spørsmål {i}?\nInformant: Svar {i}.\n" for i in range(20_000))
    text = f"{long_words}\n{many_colons}\n{brackets}\n{times}\n{body}"
    p = write(tmp_path, "stor.txt", text)
    began = time.perf_counter()
    parsed = read_file(p)
    assert time.perf_counter() - began < 10
    assert len(parsed.turns) == 40_000 and parsed.turns[-1].text == "Svar 19999."
