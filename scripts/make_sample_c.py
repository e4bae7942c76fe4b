"""Generate demo corpus part C: transcripts laid out the way other tools export them.

Writes into data/sample/:
  intervju_husbanken_fase2_tabell.docx  a transcript in a Word table (Tid | Taler | Tekst), as
                                        NVivo, transcription services and Teams' Word export write
  fg_distriktssenteret_fase2_zoom.vtt   a Zoom cloud-recording transcript ("Name: text" in cues)
  intervju_kommunedirektor_fase1.pdf    a transcript PDF with numbered lines in the margin, a
                                        running header and "n/m" page footers

All content is fictional and written for the workbench demo; the names are invented.
Run from the repository root:

    python scripts/make_sample_c.py
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "data" / "sample"

# ---------------------------------------------------------------------------
# 1. Interview with a Husbanken adviser, fase 2, as a Word table
# ---------------------------------------------------------------------------

TABLE_TITLE = "Intervju med rådgiver i Husbanken – fase 2"
TABLE_META = [
    "Dato: 2024-10-17",
    "Sted: Teams",
    "Transkribert av følgeevalueringen. Navn på personer er fjernet.",
]
INTERVIEWER, ADVISER = "Intervjuer", "Rådgiver Husbanken"
TABLE_ROWS = [
    ("00:00:06", INTERVIEWER,
     "Takk for at du tar deg tid. Dette er intervjuet i fase 2 av følgeevalueringen. Kan du "
     "begynne med å si hva Husbanken gjør i bygdevekstavtalene i Finnmark?"),
    ("00:00:21", ADVISER,
     "Ja. Vi er part i avtalene for Hjerteregionen, Midt-Finnmark og Vestre Varanger. Bolig er et "
     "innsatsområde i alle tre, så det er naturlig at vi sitter rundt bordet."),
    ("00:00:52", ADVISER,
     "Det nye for oss er at vi ikke bare behandler søknader. Vi er med og tenker sammen med "
     "kommunene før det blir en søknad i det hele tatt."),
    ("00:01:15", INTERVIEWER,
     "Hvordan har samarbeidet med kommunene utviklet seg siden avtalene ble signert?"),
    ("00:01:24", ADVISER,
     "Det har gått fra forsiktig til ganske tett. I starten var kommunene usikre på hva de kunne "
     "spørre oss om. Nå ringer prosjektlederne før de legger fram en sak for formannskapet, og det"
     " er et godt tegn på tillit."),
    ("00:02:03", INTERVIEWER,
     "Hva er det kommunene trenger mest hjelp til?"),
    ("00:02:10", ADVISER,
     "Kapasitet. Flere av kommunene har ingen som jobber med bolig i mer enn en liten brøk av en "
     "stilling. Vi kan gi råd om startlån og tilskudd til utleieboliger, men noen i kommunen må "
     "følge opp sakene."),
    ("00:02:48", ADVISER,
     "I Vestre Varanger har de derfor laget et felles boligkontor for fire kommuner. Det er "
     "kanskje det tydeligste resultatet av avtalen så langt."),
    ("00:03:20", INTERVIEWER,
     "Du sier at dere tenker sammen. Hvor går grensen for hva Husbanken kan love?"),
    ("00:03:31", ADVISER,
     "Den går ved mandatet vårt. Vi kan ikke lage egne ordninger for pilotene, og vi kan ikke "
     "skrive under på et antall boliger. Det har vært krevende å forklare. Noen trodde avtalen ga "
     "dem en egen pott."),
    ("00:04:05", INTERVIEWER,
     "Hvordan har dere håndtert de forventningene?"),
    ("00:04:12", ADVISER,
     "Vi har vært ærlige om hva vi kan og ikke kan. Og så har vi lovet noe konkret: en fast "
     "rådgiverdag hver måned i hver region. Det er lite, men det holder vi."),
    ("00:04:44", INTERVIEWER,
     "Opplever du at partnerskapet er likeverdig?"),
    ("00:04:50", ADVISER,
     "Mer enn før. Men staten har fortsatt pengene og regelverket, så helt likeverdig blir det "
     "ikke. Det viktigste er at kommunene nå sier fra når noe ikke passer for dem, og at vi tar "
     "det med oss inn i Husbanken."),
    ("00:05:31", INTERVIEWER,
     "Hva bør departementet vite om boligarbeidet i pilotene?"),
    ("00:05:38", ADVISER,
     "At det tar lang tid. Et boligprosjekt i en liten kommune tar tre til fire år fra idé til "
     "innflytting. Hvis avtalene bare varer i fire år, rekker vi én runde."),
]


def write_table_docx(path: Path) -> None:
    from docx import Document
    from docx.shared import Pt

    document = Document()
    document.core_properties.title = TABLE_TITLE
    document.core_properties.author = "Følgeevalueringen (fiktivt demomateriale)"
    document.add_paragraph(TABLE_TITLE, style="Title")
    for line in TABLE_META:
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, ("Tid", "Taler", "Tekst")):
        cell.text = name
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for time, speaker, text in TABLE_ROWS:
        cells = table.add_row().cells
        for cell, value in zip(cells, (time, speaker, text)):
            cell.text = value
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(10)
    document.save(str(path))


# ---------------------------------------------------------------------------
# 2. Focus group with Distriktssenteret, fase 2, Zoom cloud-recording VTT
# ---------------------------------------------------------------------------

MODERATOR = "Ingeborg Moen"
ADVISER_1 = "Terje Bakkevik"
ADVISER_2 = "Lene Solheim"
ZOOM_CUES = [
    (2.14, 7.38, MODERATOR, "Da er opptaket i gang. Takk til dere begge for at dere stiller."),
    (7.62, 14.9, MODERATOR, "Vi er i fase 2 av følgeevalueringen, og vi vil gjerne høre hvordan Distriktssenteret "
                            "ser på samarbeidet i bygdevekstavtalene nå."),
    (15.8, 24.35, ADVISER_1, "Ja, takk. Vi driver prosjektledernettverket, og det er der vi ser mest av hvordan "
                             "pilotene har det."),
    (24.6, 33.1, ADVISER_1, "Det store skiftet siden fase 1 er at prosjektlederne nå deler det som ikke fungerer, "
                            "ikke bare det som går bra. Det tar tid å bygge den typen tillit."),
    (33.9, 41.2, ADVISER_2, "Og jeg vil legge til at nettverket har blitt et sted der kommunene lærer av hverandre "
                            "på tvers av fylkene."),
    (41.45, 48.0, ADVISER_2, "Trøndelag og Finnmark hadde nesten ingen kontakt før. Nå låner de maler og "
                             "saksframlegg fra hverandre."),
    (48.9, 55.3, MODERATOR, "Hvordan vil dere beskrive rollen deres? Er dere en part i avtalene, eller noe annet?"),
    (56.1, 64.75, ADVISER_1, "Vi er ikke part i avtalene, og det er et poeng. Vi skal være en nøytral støtte, "
                             "ikke enda en statlig aktør med egne krav."),
    (65.0, 73.4, ADVISER_1, "Men grensen er ikke alltid tydelig. Når vi formidler kunnskap til departementet, "
                            "kan kommunene oppleve at vi snakker på deres vegne."),
    (74.2, 80.9, MODERATOR, "Det er interessant. Hvordan håndterer dere det?"),
    (81.5, 90.05, ADVISER_2, "Vi spør prosjektlederne før vi tar noe videre. Og vi sier tydelig fra om hva som er "
                             "vår vurdering og hva som kommer fra kommunene."),
    (90.9, 98.6, MODERATOR, "Hva ser dere som den største utfordringen for pilotene i fase 2?"),
    (99.4, 108.2, ADVISER_2, "Kapasitet. Prosjektlederne er ofte alene, og mange har halve stillinger. Når noe "
                             "brenner i kommunen, er det bygdevekst som må vente."),
    (108.5, 116.9, ADVISER_1, "Og mandatet til styringsgruppene er fortsatt uklart flere steder. Hvem bestemmer "
                              "når kommunene og staten er uenige om prioriteringene?"),
    (117.3, 124.0, ADVISER_1, "Det er ikke avklart i avtaleteksten, og det skaper usikkerhet lokalt."),
    (124.8, 130.5, MODERATOR, "Merker dere forskjell på pilotene når det gjelder bolig?"),
    (131.2, 140.35, ADVISER_2, "Ja. De som fikk Husbanken tidlig inn rundt bordet, har kommet lengst. Der har det "
                               "faktisk blitt bygget utleieboliger."),
    (141.0, 148.7, ADVISER_1, "De andre har brukt mye tid på å forstå regelverket. Det er nyttig, men det synes "
                              "ikke i statistikken ennå."),
    (149.5, 155.2, MODERATOR, "Til slutt: hva bør følgeevalueringen se nærmere på i neste runde?"),
    (156.0, 165.4, ADVISER_2, "Hva som skjer når pengene tar slutt. Om samarbeidet mellom kommunene lever videre "
                              "uten prosjektlederne, er det viktigste spørsmålet for oss."),
    (165.9, 170.2, MODERATOR, "Tusen takk begge to. Da avslutter vi opptaket her."),
]


def _vtt_time(t: float) -> str:
    ms = round(t * 1000)
    return f"{ms // 3600000:02d}:{ms % 3600000 // 60000:02d}:{ms % 60000 // 1000:02d}.{ms % 1000:03d}"


def write_zoom_vtt(path: Path) -> None:
    blocks = ["WEBVTT", ""]
    for number, (start, end, name, text) in enumerate(ZOOM_CUES, start=1):
        blocks += [str(number), f"{_vtt_time(start)} --> {_vtt_time(end)}", f"{name}: {text}", ""]
    path.write_text("\n".join(blocks), encoding="utf-8")


# ---------------------------------------------------------------------------
# 3. Interview with a municipal chief executive, fase 1, numbered-line PDF
# ---------------------------------------------------------------------------

PDF_TITLE = "Intervju med kommunedirektør – fase 1"
PDF_HEADER = "Følgeevaluering av bygdevekstavtalene – fortrolig transkripsjon"
PDF_META = ["Dato: 2023-06-20", "Sted: rådhuset, intervjuet gjort ansikt til ansikt"]
PDF_TURNS = [
    ("Intervjuer", "Takk for at du tar imot oss. Kan du fortelle hvordan kommunen kom med i bygdevekst?"),
    ("Kommunedirektør", "Det var ordføreren som tok initiativet etter et møte i regionrådet. Vi hadde snakket "
                        "lenge om at vi må samarbeide mer med nabokommunene, og da utlysningen kom, var det et "
                        "naturlig neste steg. Jeg var nok mer skeptisk enn henne i starten."),
    ("Intervjuer", "Hvorfor var du skeptisk?"),
    ("Kommunedirektør", "Fordi vi har vært med på mange prosjekter som har kommet og gått. Vi har en liten "
                        "administrasjon, og hver gang staten lanserer noe nytt, er det de samme fem personene som "
                        "skal gjøre jobben. Kapasiteten er den største begrensningen vi har."),
    ("Intervjuer", "Hvordan opplevde du forhandlingene om selve avtalen?"),
    ("Kommunedirektør", "Bedre enn jeg fryktet. Departementet kom ikke med et ferdig opplegg, de spurte hva vi "
                        "trengte. Det var uvant. Samtidig var det krevende, for vi måtte selv formulere hva "
                        "partnerskapet skulle handle om, og det tok tid å bli enige med de andre kommunene."),
    ("Intervjuer", "Hva ble de viktigste innsatsområdene?"),
    ("Kommunedirektør", "Bolig og arbeidskraft. Vi mister folk fordi det ikke finnes utleieboliger, og "
                        "bedriftene får ikke rekruttert fordi folk ikke har noe sted å bo. Det henger sammen. "
                        "Vi håper at Husbanken kan være med tidlig, ikke bare når søknaden er skrevet."),
    ("Intervjuer", "Du nevnte tillit i en e-post før intervjuet. Hva tenkte du på da?"),
    ("Kommunedirektør", "At tilliten mellom kommunene har økt. For tre år siden konkurrerte vi om de samme "
                        "statlige arbeidsplassene. Nå sitter kommunedirektørene i samme rom hver måned og deler "
                        "tall vi aldri ville delt før. Tilliten til staten er mer usikker. Den må bygges over tid."),
    ("Intervjuer", "Hvem bestemmer når partene er uenige?"),
    ("Kommunedirektør", "Det er ikke avklart, og det bekymrer meg. Styringsgruppa har ikke et tydelig mandat. "
                        "Hvis vi blir uenige med fylkeskommunen om hvordan pengene skal brukes, vet jeg ikke hvem "
                        "som har siste ord. Det bør stå i avtalen før den signeres."),
    ("Intervjuer", "Hva trenger dere fra staten for at avtalen skal virke?"),
    ("Kommunedirektør", "Forutsigbarhet. Et prosjekt som bare har penger for ett år om gangen, får ikke folk til "
                        "å binde seg. Og vi trenger at statlige etater stiller med folk, ikke bare med gode ord."),
    ("Intervjuer", "Takk. Er det noe du vil legge til?"),
    ("Kommunedirektør", "Bare at jeg er mer optimistisk nå enn da vi startet. Det er første gang jeg opplever "
                        "at staten lytter før den bestemmer."),
]


def write_numbered_pdf(path: Path) -> None:
    import fpdf

    font_dir = Path("/usr/share/fonts/truetype/dejavu")
    pdf = fpdf.FPDF(format="A4")
    pdf.set_auto_page_break(False)
    if (font_dir / "DejaVuSans.ttf").exists():
        pdf.add_font("DejaVu", "", str(font_dir / "DejaVuSans.ttf"))
        pdf.add_font("DejaVu", "B", str(font_dir / "DejaVuSans-Bold.ttf"))
        family, clean = "DejaVu", (lambda s: s)
    else:  # the core fonts know Latin-1 only
        family, clean = "Helvetica", (lambda s: s.replace("–", "-"))
    size, pitch, left, right, top, bottom = 10.5, 6.0, 22.0, 190.0, 28.0, 272.0

    def wrap(text: str) -> list[str]:
        pdf.set_font(family, "", size)
        lines, current = [], ""
        for word in text.split():
            trial = f"{current} {word}".strip()
            if pdf.get_string_width(clean(trial)) <= right - left:
                current = trial
            else:
                lines.append(current)
                current = word
        return lines + [current] if current else lines

    body: list[tuple[str, bool]] = [(PDF_TITLE, True), ("", False)]
    body += [(m, False) for m in PDF_META] + [("", False)]
    for speaker, text in PDF_TURNS:
        body += [(line, False) for line in wrap(f"{speaker}: {text}")] + [("", False)]
    per_page = int((bottom - top) // pitch)
    pages = [body[i:i + per_page] for i in range(0, len(body), per_page)]
    if len(pages) != 2:
        raise SystemExit(f"the PDF transcript should fill two pages, not {len(pages)}; shorten or lengthen it")
    number = 0
    for page_no, lines in enumerate(pages, start=1):
        pdf.add_page()
        pdf.set_font(family, "", 8)
        pdf.set_xy(left, 12)
        pdf.cell(0, 5, clean(PDF_HEADER))
        y = top
        for text, bold in lines:
            number += 1
            pdf.set_font(family, "", 8)
            pdf.set_xy(8, y + 0.5)
            pdf.cell(10, 5, str(number), align="R")
            pdf.set_font(family, "B" if bold else "", 12 if bold else size)
            pdf.set_xy(left, y)
            pdf.cell(0, 6, clean(text))
            y += pitch
        pdf.set_font(family, "", 8)
        pdf.set_xy(0, 284)
        pdf.cell(210, 5, f"{page_no}/{len(pages)}", align="C")
    pdf.set_title(clean(PDF_TITLE))
    pdf.set_author("Følgeevalueringen (fiktivt demomateriale)")
    pdf.set_creation_date(datetime(2023, 6, 20, tzinfo=timezone.utc))  # the same bytes on every run
    pdf.output(str(path))


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, writer in (("intervju_husbanken_fase2_tabell.docx", write_table_docx),
                         ("fg_distriktssenteret_fase2_zoom.vtt", write_zoom_vtt),
                         ("intervju_kommunedirektor_fase1.pdf", write_numbered_pdf)):
        target = OUT / name
        writer(target)
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
