"""Privacy helpers: which roster labels are names, scrubbing, pseudonyms, formula neutralising."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.privacy import (FORMULA_START, PersonScrubber, Scrubber, is_name_label, name_variants,
                               neutralise_formula, pseudonym)

NAMES = ["Sigrid Aune", "Håvard Lien", "Kari-Anne Nilsen", "Kari", "Éric Dupont", "Ingrid Lien"]
NOT_NAMES = ["PL Midt-Finnmark", "Ordfører Berlevåg", "Kommunedirektør Tana", "INFORMANT 1",
             "SPEAKER_01", "Moderator", "Intervjuer", "Forsker 2", "Rådgiver SF", "Rådgiver B",
             "KDD", "sigrid aune", "Deltaker", "Næringssjef Vadsø", "Sigrid Aune Lien Berg Moe", ""]


@pytest.mark.parametrize("label", NAMES)
def test_person_names_are_name_labels(label):
    assert is_name_label(label)


@pytest.mark.parametrize("label", NOT_NAMES)
def test_roles_codes_and_acronyms_are_not_name_labels(label):
    assert not is_name_label(label)


def test_actor_organisation_and_pilot_words_are_not_names():
    assert not is_name_label("Vestre Varanger", pilot="Vestre Varanger")
    assert not is_name_label("Varanger", pilot="Vestre Varanger")
    assert not is_name_label("Porsanger", organisation="Porsanger kommune (Pilot Midt-Finnmark)")
    assert not is_name_label("Finnmark", organisation="Porsanger kommune (Pilot Midt-Finnmark)")
    assert not is_name_label("Statsforvalter", actor="statsforvalter")
    assert not is_name_label("Husbanken Nord")
    assert is_name_label("Sigrid Aune", actor="prosjektleder", organisation="Tana kommune",
                         pilot="Vestre Varanger")
    assert not is_name_label(None)


def test_name_variants_expand_names_only():
    assert name_variants("Sigrid Aune") == ["Sigrid Aune", "Sigrid", "Aune"]
    assert name_variants("Kari-Anne Nilsen") == ["Kari-Anne Nilsen", "Kari-Anne", "Nilsen", "Anne",
                                                 "Kari"]
    assert name_variants("PL Midt-Finnmark", pilot="Midt-Finnmark") == []
    assert name_variants("INFORMANT 1") == []
    # the roster's name column is always a name, whatever the label is
    assert name_variants("INFORMANT 1", name="Bo Ek") == ["Bo Ek", "Bo", "Ek"]
    both = name_variants("Sigrid", name="Sigrid Aune")
    assert both == ["Sigrid Aune", "Sigrid", "Aune"]  # no duplicates, longest first
    assert "O" not in name_variants("O Ek")  # single letters are never scrubbed


@pytest.fixture
def scrubber():
    roster = [
        {"label": "Sigrid Aune", "actor": "prosjektleder", "pilot": "Vestre Varanger"},
        {"speaker": "Ingrid Lien", "actor": "forsker"},
        {"label": "Solveig Ås"},
        {"label": "Lars Bø", "organisation": None, "pilot": float("nan")},
        {"label": "Kari"},
        {"label": "PL Vestre Varanger", "pilot": "Vestre Varanger", "name": "Håvard Moe"},
        {"label": "Moderator", "actor": "forsker"},
        {"label": "Ordfører Berlevåg", "actor": "ordfører"},
    ]
    return Scrubber.from_roster(roster)


def test_scrubber_names_come_from_the_roster(scrubber):
    names = scrubber.names
    assert {"Sigrid Aune", "Sigrid", "Aune", "Lien", "Ås", "Kari", "Håvard Moe", "Moe"} <= set(names)
    assert not {"Moderator", "Varanger", "Vestre", "Berlevåg", "PL"} & set(names)
    assert names == sorted(names, key=lambda s: (-len(s), s.casefold(), s))


@pytest.mark.parametrize("text, expected", [
    ("Sigrid Aune sa at det gikk bra.", "[navn] sa at det gikk bra."),  # one placeholder
    ("Sigrid\nAune", "[navn]"),
    ("som Ingrid sa i går", "som [navn] sa i går"),
    ("Vi spurte Lien og Aune.", "Vi spurte [navn] og [navn]."),
    ("Solveigs forslag", "[navn] forslag"),
    ("Lars' rapport", "[navn] rapport"),
    ("Ingrids og Liens innspill", "[navn] og [navn] innspill"),
    ("Karis’ og Kari's", "[navn]’ og [navn]"),
    ("INGRID, ingrid og Ingrid", "[navn], [navn] og [navn]"),
    ("intervju_ingrid_lien.docx", "intervju_[navn]_[navn].docx"),
    ("fil-sigrid-aune-2023.txt", "fil-[navn]-[navn]-2023.txt"),
    ("Ås og Bø", "[navn] og [navn]"),
    ("ås og bø og ÅS", "ås og bø og ÅS"),  # 2-letter names only as written with a capital
    ("Hun sa 'Kari' til meg", "Hun sa '[navn]' til meg"),  # a closing quote is no genitive
    ("Håvard Moe ringte", "[navn] ringte"),
    ("Aunevei 3, Kariann og Liensen", "Aunevei 3, Kariann og Liensen"),  # not inside other words
    ("Moderator: Ordfører i Berlevåg, Vestre Varanger", "Moderator: Ordfører i Berlevåg, Vestre Varanger"),
])
def test_scrub_names(scrubber, text, expected):
    assert scrubber.scrub(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Vi hadde ikke noe regionråd å lene oss på.", "Vi hadde ikke noe regionråd å lene oss på."),
    ("Lene Berge sa det, og Lene var enig.", "[navn] sa det, og [navn] var enig."),
    ("Vi måtte berge det som bergas kunne; Berges plan.", "Vi måtte berge det som bergas kunne; [navn] plan."),
    ("Hele mitt liv har jeg bodd her, sa Liv.", "Hele mitt liv har jeg bodd her, sa [navn]."),
    ("intervju_lene_berge.docx og liv.txt", "intervju_[navn]_[navn].docx og [navn].txt"),
    ("KARI HOLM og kari holm", "[navn] og [navn]"),  # names that are no ordinary words: any case
    ("LENE BERGE sa det, og BERGES plan er å lene seg på", "[navn] sa det, og [navn] plan er å lene seg på"),
])
def test_names_that_are_also_ordinary_words_are_scrubbed_only_as_names(text, expected):
    """Roster names such as Lene (lene = to lean), Berge (to save) and Liv (life) leave the words
    of a quote alone: only the capitalised name (or the name in capitals), or the name inside a
    file name, is replaced."""
    scrubber = Scrubber(name_variants("Lene Berge") + name_variants("Kari Holm") + ["Liv"])
    assert scrubber.scrub(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Skriv til kari.lien@sintef.no.", "Skriv til [e-post]."),
    ("post: ola_n+test@kommune.tana.no", "post: [e-post]"),
    ("fnr 01019012345", "fnr [fnr]"),
    ("fnr 010190 12345 står der", "fnr [fnr] står der"),
    ("D-nummer 41019012345", "D-nummer [fnr]"),
    ("ring 99887766", "ring [telefon]"),
    ("ring 99 88 77 66 i dag", "ring [telefon] i dag"),
    ("ring 998 87 766", "ring [telefon]"),
    ("ring 99-88-77-66 eller 22.33.44.55", "ring [telefon] eller [telefon]"),
    ("ring +47 99887766", "ring [telefon]"),
    ("ring +47 99 88 77 66", "ring [telefon]"),
    ("ring 004799887766", "ring [telefon]"),
    ("Kari: kari@x.no, 99887766", "[navn]: [e-post], [telefon]"),
])
def test_scrub_identifiers(scrubber, text, expected):
    assert scrubber.scrub(text) == expected


@pytest.mark.parametrize("text", [
    "I 2023 og 2024 fikk piloten 12 000 000 kroner.",
    "Det er 3,5 millioner og 2,5 årsverk i fase 2.",
    "Møtet 18.04.2023 kl. 10:15 varte 01:02:05.",
    "Kontonummer 1234.56.78901 og 123456789012 er lange tall.",
    "Tallene 12 34 56 78 90 og 32019012345 og 20230418.",
    "Andelen var 0,99887766 og 1 200 000 000 kroner.",
])
def test_scrub_leaves_numbers_that_are_no_identifiers(scrubber, text):
    assert scrubber.scrub(text) == text


def test_scrub_none_empty_and_clean_text(scrubber):
    assert scrubber.scrub(None) is None
    assert scrubber.scrub("") == ""
    text = "Ingen navn her."
    assert scrubber.scrub(text) is text


def test_scrubber_from_plain_names_and_frame_column():
    s = Scrubber(["Per Olsen", "Per"])
    assert s.names == ["Per Olsen", "Per"]
    assert s.scrub("Per Olsen og Olsen") == "[navn] og Olsen"  # exactly the given strings
    series = pd.Series(["Per kom", None, "ingen"], index=[5, 6, 7], dtype=object)
    out = s.scrub_frame_column(series)
    assert out.tolist() == ["[navn] kom", None, "ingen"] and list(out.index) == [5, 6, 7]
    inferred = s.scrub_frame_column(pd.Series(["Per kom", None], name="Sitat"))  # str dtype, NaN
    assert inferred.iloc[0] == "[navn] kom" and pd.isna(inferred.iloc[1])
    assert inferred.name == "Sitat"
    assert Scrubber([]).scrub("Per kom") == "Per kom"


def test_scrubber_from_roster_frame():
    frame = pd.DataFrame({"speaker": ["Sigrid Aune", "INFORMANT 1"], "actor": ["prosjektleder", None],
                          "name": [None, "Tor Dahl"]})
    assert Scrubber.from_roster(frame).scrub("Sigrid og Tor Dahl") == "[navn] og [navn]"



@pytest.mark.parametrize("text, expected", [
    ("Ring Kari på 412 34 567.", "Ring [navn] på [telefon]."),
    ("Karis nummer er +47 41 23 45 67, tror jeg.", "[navn] nummer er [telefon], tror jeg."),
    ("Send det til kari.nordmann@kommune.no.", "Send det til [e-post]."),
    ("Kopi til knordmann@fjellbygd.kommune.no og ole.hansen@example.no.",
     "Kopi til [e-post] og ole.hansen@example.no."),
    ("Ole har 22 33 44 55, og Kari har ingen telefon.", "Ole har 22 33 44 55, og [navn] har ingen telefon."),
    ("Skriv til post@kommune.no eller ring 99887766.", "Skriv til post@kommune.no eller ring 99887766."),
])
def test_person_scrubber_removes_only_that_persons_contacts(text, expected):
    """A withdrawal removes the person's own phone number (after their name) and e-mail address
    (holding their name); other people's numbers and addresses stay in the quote."""
    assert PersonScrubber(name_variants("Kari Nordmann")).scrub(text) == expected


def test_person_scrubber_matches_e_mail_spellings_of_norwegian_letters():
    scrubber = PersonScrubber(name_variants("Bjørn Kjær") + name_variants("Åse Li"))
    text = "bjorn.k@x.no, bjoern@x.no, kjaer@x.no, b.kjar@x.no, ase.l@x.no, aase@x.no, bk@x.no, li.o@x.no"
    assert scrubber.scrub(text) == ("[e-post], [e-post], [e-post], [e-post], [e-post], [e-post], bk@x.no, "
                                    "li.o@x.no")  # two letters is too short to tell whose it is
    assert PersonScrubber(["Ole"]).scrub("ole@x.no og nicole.berg@x.no") == "[e-post] og nicole.berg@x.no"


def test_person_scrubber_removes_contacts_from_the_roster_row_anywhere():
    scrubber = PersonScrubber([], contacts=["INFORMANT 1", "k.n@fjellbygd.no", "+47 412 34 567"])
    assert scrubber.scrub("Ring 41234567 eller skriv til K.N@fjellbygd.no, ikke 99887766.") == (
        "Ring [telefon] eller skriv til [e-post], ikke 99887766.")
    assert PersonScrubber().scrub("Ring 41234567.") == "Ring 41234567."


def test_person_scrubber_takes_a_number_right_after_their_e_mail_address():
    """The e-mail pass replaces her address first; the address still marks the number after it as
    hers, though the last mention of her name is further back than the window. A number far from
    any mention of her stays."""
    scrubber = PersonScrubber(name_variants("Ingrid Solbakk"), contacts=["Ingrid Solbakk"])
    text = ("Ingrids notat fra i fjor sier det samme; spør henne på ingrid.solbakk@kdd.example.no "
            "eller 41 23 45 67.")
    expected = "[navn] notat fra i fjor sier det samme; spør henne på [e-post] eller [telefon]."
    assert scrubber.scrub(text) == expected
    from workbench.refi.export import scrub_with_map
    assert scrub_with_map(scrubber, text)[0] == expected
    far = text + " " + "Resten av møtet handlet om budsjettet og fremdriften. " * 3 + "Sentralbordet har 22 33 44 55."
    assert scrubber.scrub(far).endswith("Sentralbordet har 22 33 44 55.")
    assert scrubber.scrub(far).startswith(expected)


# the roster of the focus group below (fictional): Åse withdraws, the others stay
OTHERS = name_variants("Liv Strand") + name_variants("Kari Fjellstad")


@pytest.mark.parametrize("text, expected", [
    # the nearest name before the number is someone else's: the number stays
    ("Som Åse sa, tillit tar tid. Ring meg gjerne, eller ring Kari på 412 34 567. Hun svarer alltid.",
     "Som [navn] sa, tillit tar tid. Ring meg gjerne, eller ring Kari på 412 34 567. Hun svarer alltid."),
    ("Åse sa at Liv Strand har 41 23 45 67.", "[navn] sa at Liv Strand har 41 23 45 67."),
    ("Åse viste til kari.fjellstad@grong.kommune.no eller 41234567.",
     "[navn] viste til kari.fjellstad@grong.kommune.no eller 41234567."),
    ("Åse sa at [navn] har 41234567.", "[navn] sa at [navn] har 41234567."),   # scrubbed before
    # hers: nearest, or among names said together
    ("Som Liv sa, ring Åse på 412 34 567.", "Som Liv sa, ring [navn] på [telefon]."),
    ("Kari og Åse: 412 34 567.", "Kari og [navn]: [telefon]."),
    ("Åse og Kari: 412 34 567.", "[navn] og Kari: [telefon]."),
    ("Ring Åse, Liv eller Kari på 412 34 567.", "Ring [navn], Liv eller Kari på [telefon]."),
    ("Ring Åse Bråten på 41 23 45 67, eller Kari Fjellstad på 22 33 44 55.",
     "Ring [navn] på [telefon], eller Kari Fjellstad på 22 33 44 55."),
    ("Kari sa: skriv til aase.braaten@x.no eller 41234567.", "Kari sa: skriv til [e-post] eller [telefon]."),
])
def test_person_scrubber_keeps_a_number_after_another_persons_name(text, expected):
    """A number is the withdrawn person's only when the nearest name before it is theirs (or they
    are among names said together): "ring Kari på ..." after "Som Åse sa" is Kari's number."""
    assert PersonScrubber(name_variants("Åse Bråten"), others=OTHERS).scrub(text) == expected


def test_person_scrubber_leaves_another_persons_address_that_shares_a_given_name():
    """Kari Nordmann withdraws; Kari Fjellstad's address holds "kari" too, but also her own
    surname: it stays. An address with only the shared part goes (it may be hers)."""
    scrubber = PersonScrubber(name_variants("Kari Nordmann"), others=OTHERS)
    text = "kari.fjellstad@grong.no, kari.nordmann@grong.no, kari@grong.no, knordmann@grong.no"
    first, *rest = scrubber.scrub(text).split(", ")
    assert first.endswith(".fjellstad@grong.no") and rest == ["[e-post]", "[e-post]", "[e-post]"]
    shared = PersonScrubber(name_variants("Liv Strand"), others=name_variants("Kari Strandberg"))
    assert shared.scrub("kari.strandberg@x.no, liv.strand@x.no") == "kari.strandberg@x.no, [e-post]"


def test_pseudonym():
    assert pseudonym("prosjektleder", 2) == "Prosjektleder 2"
    assert pseudonym("KDD", 1) == "KDD 1"
    assert pseudonym("statsforvalter", 1) == "Statsforvalter 1"
    assert pseudonym("kommunedirektør", 3) == "Kommunedirektør 3"
    assert pseudonym("", 4) == "Deltaker 4"
    assert pseudonym(None, 5) == "Deltaker 5"


def test_neutralise_formula():
    assert FORMULA_START == ("=", "+", "-", "@", "\t", "\r")
    for text in ["=1+1", "+47 99", "-1", "@SUM(A1)", "\tx", "\rx"]:
        assert neutralise_formula(text) == "'" + text
    assert neutralise_formula("Sigrid") == "Sigrid"
    assert neutralise_formula("– Hybrid") == "– Hybrid"  # an en dash is no minus
    assert neutralise_formula(-0.5) == -0.5
    assert neutralise_formula(None) is None
