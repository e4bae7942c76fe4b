"""Generate the binary files of demo corpus part B (Trøndelag pilots).

Writes into data/sample/:
  fg_prosjektledere_fase2.docx       (python-docx)
  handlingsplan_indre_namdal_2024.pdf (fpdf2, DejaVu Sans; header/footer on every page,
                                      deliberate hyphenation at line ends)
  avtale_midt_2023.odt               (odfpy; Heading 1/Heading 2 paragraph styles)

All content is fictional and written for the workbench demo. Run from the repository root:
    python scripts/make_sample_b.py
"""

from __future__ import annotations

import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "data" / "sample"

# ---------------------------------------------------------------------------
# 1. Focus group with the project managers, fase 2 (docx)
# ---------------------------------------------------------------------------

FG_TITLE = "Fokusgruppe med prosjektlederne i bygdevekstpilotene – fase 2"
FG_META = [
    "Dato: 2024-02-06",
    "Sted: Trondheim",
    "Deltakere: prosjektlederne i de fem pilotene i pulje 1, to forskere fra følgeevalueringen",
    "Transkribert av følgeevalueringen. Navn på personer er fjernet.",
]

# (label, timestamp, text). Timestamp placement alternates: "before" puts it in front of the
# label, "after" after the label. label None = continuation paragraph of the previous speaker.
FG_TURNS: list[tuple[str | None, str | None, str, str]] = [
    ("Moderator", "00:00:05", "before",
     "Da tror jeg vi er klare. Takk for at dere tok turen til Trondheim midt i februar, og særlig "
     "til dere som kom fra Finnmark i morges. Jeg hørte at flyet fra Lakselv ble forsinket?"),
    ("PL Midt-Finnmark", "00:00:19", "after",
     "En time på bakken i Tromsø, men vi kom oss hit. Kaffen er i alle fall god."),
    ("Moderator", "00:00:27", "after",
     "Bra. Vi tar opp samtalen, som sist, og alt blir anonymisert i rapporten. Vi er to fra "
     "evalueringen i dag; Forsker 2 tar notater og kommer inn med spørsmål underveis. Tema i dag er "
     "fase 2: hvordan har det gått med å lage handlingsplanene, og hvordan ser det ut nå som "
     "tiltakene skal settes i gang?"),
    ("Forsker 2", "00:00:52", "before",
     "Og vi vil gjerne høre om rollen deres. Sist vi møttes, i fase 1, sa flere av dere at dere "
     "følte dere litt alene. Vi er nysgjerrige på om det har endret seg."),
    ("PL Indre-Namdal", "00:01:05", "before",
     "Jeg kan begynne. Handlingsplanen vår ble vedtatt i alle fire kommunestyrene før jul, Grong "
     "sist, den tolvte desember. Så formelt er den på plass. Men jeg skal være ærlig: vi hadde fire "
     "uker fra vi fikk malen til planen skulle være inne, og da sitter du der med sju delmål og et "
     "regneark som skal vise hvem som gjør hva i 2024. Det gikk, men det var ikke pent."),
    (None, None, "",
     "Det som reddet oss, var at vi har jobbet sammen i regionrådet i mange år. Jeg kunne ringe "
     "kommunedirektøren i Røyrvik en søndag kveld og få svar. Det sier noe om hvordan vi har det "
     "mellom kommunene."),
    ("PL Midt", "00:02:10", "before",
     "Vi kjenner oss igjen i tidsklemma. Hos oss er vi bare to kommuner, Rindal og Holtålen, og "
     "det gjør det enklere på én måte. Men vi ligger nesten i hver vår ende av fylket. Rindal vender "
     "seg mot Nordmøre, og Holtålen mot Røros og Gauldal. Så vi har måttet bygge samarbeidet fra "
     "bunnen, vi hadde ikke noe felles regionråd å lene oss på."),
    ("Moderator", "00:02:44", "before", "Hva har det betydd i praksis?"),
    ("PL Midt", "00:02:48", "after",
     "At jeg har kjørt mye bil. Seriøst, det er over to timer hver vei. Jeg har lært at jeg må være "
     "i Holtålen fysisk minst én dag i uka, ellers blir jeg «hun fra Rindal». Det handler om å bli "
     "kjent, om at folk skal tørre å si til meg at de er uenige, og ikke bak ryggen min."),
    ("PL Vestre Varanger", "00:03:20", "before",
     "Det er litt det samme hos oss, med fire kommuner, to språk og ganske ulike næringer. Tana og "
     "Nesseby har reindrift og landbruk, Berlevåg og Båtsfjord har fiskeri. Det er ikke gitt at det "
     "som er viktig i Båtsfjord, er viktig i Nesseby."),
    ("Forsker 2", "00:03:48", "after", "Hvordan har dere løst det i handlingsplanen?"),
    ("PL Vestre Varanger", "00:03:52", "after",
     "Vi har forsøkt å finne tiltak der alle har noe å hente. Bolig er et slikt tema, alle mangler "
     "utleieboliger. Og så har vi latt noen delmål være mer lokale. Det har vært diskusjoner, ikke la "
     "meg si noe annet. Vi hadde et møte i november der to av ordførerne nesten reiste seg og gikk, "
     "fordi de mente fordelingen av prosjektmidler var skjev. Vi kom i mål til slutt, men det kostet "
     "en ekstra runde i styringsgruppa."),
    ("PL Hjerteregionen", "00:04:35", "before",
     "Hos oss er Hammerfest stor og Hasvik og Måsøy små, og der ligger det en spenning hele tiden. "
     "Jeg bruker mye tid på å passe på at de små ikke føler seg overkjørt. Samtidig er det Hammerfest "
     "som har fagmiljøene, så de to små kommer ikke langt uten Hammerfest, og Hammerfest trenger "
     "omlandet for å få folk til å bli boende i regionen. Det har de skjønt nå, tror jeg. Det tok tid."),
    ("Moderator", "00:05:20", "before",
     "La oss gå litt inn på selve avtalen og handlingsplanen. Da avtalene ble signert i fjor, var det "
     "mange som snakket om at dette var en ny type avtale. Hvordan vil dere beskrive hva slags avtale "
     "det er, nå som dere har jobbet med den en stund?"),
    ("PL Midt-Finnmark", "00:05:40", "before",
     "Jeg har begynt å tenke at avtalen nesten er en invitasjon. Den sier at vi skal jobbe sammen om "
     "rekruttering, bolig og så videre, men den sier ikke hvem som skal gjøre hva i detalj. Det er "
     "handlingsplanen som gjør den konkret. Og det liker jeg egentlig, for da kan vi justere når vi "
     "lærer noe nytt."),
    ("PL Indre-Namdal", "00:06:05", "after",
     "Men samtidig skal vi rapportere. Vi rapporterer på hvert tiltak, og vi har fått signaler om at "
     "neste års tilskudd henger sammen med hva vi har fått til. Så det er ikke bare dialog og godvilje. "
     "Det er også et slags regnskap. Jeg skjønner det, det er skattepenger. Men det er en annen logikk "
     "enn den vi startet med."),
    ("Forsker 2", "00:06:30", "before", "Hvordan opplever dere den blandingen?"),
    ("PL Indre-Namdal", "00:06:33", "before",
     "Det går an å leve med så lenge målene er langsiktige og tiltakene kortsiktige. Vi sier at "
     "delmål 4, bolig, er noe vi skal holde på med i ti år. Men tiltakene for 2024 er ting vi kan "
     "telle: hvor mange søknader om startlån, om vi har fått på plass en boligkoordinator, om vi har "
     "hatt bransjemøtet med utbyggerne."),
    ("PL Hjerteregionen", "00:07:02", "before",
     "For meg er det viktigste at staten faktisk har satt seg ned ved bordet. Det første møtet med "
     "departementet var litt sånn at de skulle høre hva vi ville. Nå har vi fått Husbanken, "
     "statsforvalteren og fylkeskommunen til å skrive inn i handlingsplanen hva de skal bidra med. "
     "Det er nytt. Før var det vi som søkte, og de som sa ja eller nei."),
    (None, None, "",
     "Vi har skrevet rett inn hvem som har ansvaret for hvert tiltak, og hvem som betaler. Husbanken "
     "stiller med en rådgiver to dager i måneden, fylkeskommunen legger inn midler til "
     "kollektivutredningen, og kommunene stiller med tomter. Det er det som gjør det forpliktende."),
    ("Moderator", "00:07:45", "before", "Og departementet, hvilken rolle har KDD hatt i fase 2?"),
    ("PL Vestre Varanger", "00:07:50", "after",
     "Døråpner. Det er det ordet jeg bruker. Når vi ringte Husbanken før, kom vi til en "
     "saksbehandler. Når departementet har vært med i møtet, kommer vi til regiondirektøren. Det er "
     "stor forskjell."),
    ("PL Midt", "00:08:08", "before",
     "Det var akkurat det som skjedde med utlånsforskriften. Vi hadde snakket om det lokalt i årevis, "
     "at reglene for startlån ikke passer når et hus i Holtålen er verdt halvparten av det det koster "
     "å bygge. Så tok departementet saken med seg inn, og nå er det faktisk en prosess i Husbanken på "
     "å se på det. Om det blir endret, vet jeg ikke, men vi har kommet lenger på ett år enn på ti."),
    ("PL Midt-Finnmark", "00:08:40", "before",
     "Samtidig skal vi ikke glemme at det er en ubalanse. Departementet har pengene og bestemmer "
     "malen. Da malen for handlingsplanen kom, var det mange felt vi ikke hadde tenkt på: indikatorer, "
     "risikovurdering, framdrift per kvartal. Det kjentes litt som en marsjordre, etter at vi hadde "
     "fått høre at vi satt i førersetet."),
    ("PL Vestre Varanger", "00:09:05", "after",
     "Jeg skrev faktisk en e-post til departementet om det. Og jeg fikk svar samme dag, om at malen "
     "var et forslag og at vi kunne tilpasse den. Det var fint. Men det sier noe om at vi må tørre å "
     "si fra, og at de faktisk hører på oss når vi gjør det."),
    ("Forsker 2", "00:09:25", "before",
     "Jeg hører at dere legger mye av dere selv i dette. Kan dere si litt om hvordan det er å være "
     "prosjektleder?"),
    ("PL Hjerteregionen", "00:09:32", "before",
     "Det er en ensom jobb, men det er også den morsomste jobben jeg har hatt. Du er ansatt i én "
     "kommune, men jobber for tre. Du har ingen linje, ingen ansatte og egentlig ingen "
     "budsjettmyndighet. Du må få ting til å skje gjennom andre."),
    ("PL Indre-Namdal", "00:09:55", "before",
     "Og mandatet er ikke alltid like klart. Jeg har en kommunedirektør som sier «du må ikke love "
     "noe på vegne av oss», og en ordfører som sier «bare kjør på». Så sitter du i et møte med "
     "Husbanken og vet ikke helt hva du kan si ja til."),
    ("PL Midt", "00:10:20", "after",
     "Jeg har nok fått rykte på meg for å være litt masete. Jeg sender påminnelser. Jeg ringer. Hvis "
     "noen har lovet å sende et utkast innen fredag, ringer jeg på mandag morgen. Noen synes sikkert "
     "det er slitsomt, men ellers skjer det ingenting. Vi har tre år, og ett av dem er snart brukt opp."),
    ("PL Midt-Finnmark", "00:10:42", "after",
     "Du er bulldoseren vår, det har vi sagt før. (latter)"),
    ("PL Midt", "00:10:47", "before", "Jeg tar det som et kompliment."),
    ("PL Vestre Varanger", "00:10:50", "before",
     "Men det er noe i det. Det trengs forskjellige typer folk. Vi har en kommunedirektør i "
     "styringsgruppa som er helt fantastisk på regelverk. Han leser tilskuddsbrevet linje for linje "
     "og finner alt som kan gå galt. Det er nyttig, men han blir urolig når vi snakker om å prøve noe "
     "som ikke står i noen forskrift."),
    ("PL Hjerteregionen", "00:11:18", "before",
     "Og vi har en ordfører som har ideer i hopetall. Hun ser for seg at Havøysund skal bli et senter "
     "for fjernarbeid, med folk fra Oslo som jobber derfra halve året. Det kan godt hende hun har rett "
     "om ti år. Men kommunedirektøren hennes minner oss hele tiden på at vi ikke har en eneste ledig "
     "leilighet akkurat nå, og at det er det vi må løse først."),
    ("Moderator", "00:11:45", "after", "Hvem er det som får det til å henge sammen, da?"),
    ("PL Indre-Namdal", "00:11:48", "before",
     "Hos oss har det vært en rådgiver i fylkeskommunen. Hun sitter i samfunnsutviklingsavdelingen, "
     "men hun kjenner alle i Namdalen. Hun har vært i NAV, og hun har jobbet i Innovasjon Norge. Hun "
     "vet hvem hun skal ringe og hva de er opptatt av. Når vi står fast, går hun mellom. Hun snakker "
     "landbruksspråk med faglaget og planspråk med statsforvalteren."),
    ("PL Midt", "00:12:20", "before",
     "Det skulle vi hatt mer av. Vi har fått god hjelp av Distriktssenteret på samme måte. De har ingen "
     "penger å dele ut, men de vet hva de andre pilotene holder på med, og de setter oss i kontakt."),
    ("Forsker 2", "00:12:40", "after",
     "Det bringer meg over til nettverket dere har seg imellom. Prosjektledernettverket, hvordan "
     "fungerer det?"),
    ("PL Midt-Finnmark", "00:12:46", "before",
     "Det er gull. Vi har Teams-møter annenhver uke og en chat som går hele tiden. Da Vestre Varanger "
     "fikk til en avtale med Husbanken om en fast rådgiverdag, kopierte vi den. Det er ingen som har "
     "noe imot det."),
    ("PL Vestre Varanger", "00:13:05", "before",
     "Og vi har lært av Indre-Namdal når det gjelder Grong-måten, samarbeidet mellom skole og "
     "næringsliv. Vi har ikke en videregående skole på samme måte, men ideen kan overføres."),
    ("PL Hjerteregionen", "00:13:18", "after",
     "Jeg tror også nettverket har gjort at vi står sterkere overfor departementet. Når vi fem sier "
     "det samme, så lytter de. Det var sånn med fristen for handlingsplanen. Vi sendte et felles brev "
     "og fikk tre uker ekstra."),
    ("Moderator", "00:13:40", "before", "Hva med pengene? Hvordan ser finansieringen ut for 2024?"),
    ("PL Indre-Namdal", "00:13:44", "before",
     "Det er det store spørsmålet. Vi vet at potten er økt i statsbudsjettet for 2024. Det er et "
     "godt signal, at regjeringen mener alvor med dette. Men vi vet ikke hvor mye hver pilot får før "
     "tilskuddsbrevet kommer, og det har vi ikke sett ennå. Samtidig skal vi ansette en "
     "boligkoordinator fra 1. mars."),
    ("PL Midt", "00:14:15", "after",
     "Min stilling går ut i 2025. Jeg er ærlig på at jeg har begynt å se meg om. Ikke fordi jeg vil "
     "slutte, men fordi jeg har to barn og et huslån. Kommunene sier de vil videreføre, men ingen har "
     "vedtatt noe. Hvis jeg slutter, hva skjer da med alt som bare sitter i hodet mitt?"),
    ("PL Hjerteregionen", "00:14:40", "before",
     "Det er et kjempeproblem. Prosjektlederne er limet, og limet er på åremål."),
    ("Forsker 2", "00:14:50", "before",
     "Hva ville dere trengt for at det skulle vært mindre sårbart?"),
    ("PL Vestre Varanger", "00:14:55", "before",
     "Flerårige midler. Og at sektorene tar eierskap. Hvis Husbanken har det i sitt eget oppdragsbrev "
     "at de skal jobbe med bygdevekstpilotene, da er det ikke bare meg som må huske det. Det har de "
     "faktisk fått nå, har jeg skjønt, og det merkes på hvor raskt de svarer."),
    ("PL Midt-Finnmark", "00:15:20", "after",
     "Og at kommunestyrene forstår hva de har sagt ja til. Vi har vært rundt i alle fire "
     "kommunestyrene og lagt fram handlingsplanen. Det var første gang mange av representantene hørte "
     "om avtalen. En av dem spurte hvorfor de skulle bruke penger på «enda et prosjekt». Det er et "
     "godt spørsmål."),
    ("PL Hjerteregionen", "00:15:42", "before",
     "Og så er det de som ser en mulighet. Vi hadde en ordfører som gikk ut i lokalavisa dagen før "
     "signeringen og fortalte at det var han som hadde hentet avtalen til regionen. Det var ikke helt "
     "sånn det skjedde. Men jeg har lært at det er greit å la ham ta æren, så lenge han stiller opp "
     "når det gjelder."),
    ("PL Indre-Namdal", "00:16:05", "before",
     "Hos oss har vi hatt folkemøter i alle fire kommunene, og vi har gjort en undersøkelse blant "
     "ungdom som har flyttet ut. De var tydelige: de vil ha et sted å bo og en jobb som gir mening. Det "
     "gir oss ryggdekning, når folk lokalt sier at dette er viktig."),
    ("PL Midt", "00:16:30", "after",
     "Næringslivet har vært en viktig stemme hos oss. Rindal har flere bedrifter som mangler folk, og "
     "da de stilte i formannskapet og sa at de kunne ha ansatt tjue til hvis det fantes boliger, da "
     "lyttet politikerne."),
    ("Moderator", "00:16:50", "before",
     "Jeg vil gjerne spørre om forholdet mellom lokale behov og nasjonale føringer. Opplever dere at "
     "det er dere som bestemmer innholdet?"),
    ("PL Vestre Varanger", "00:16:58", "before",
     "Stort sett. Innsatsområdene kom fra oss. Ingen i Oslo hadde tenkt på at reindrifta trenger et "
     "eget delmål, det var vi som tok det inn. Men så opplever vi at noen av de statlige aktørene bare "
     "vil være med på det som allerede står i deres egne planer. Da kan vi definere behovet, men ikke "
     "løsningene."),
    ("PL Midt-Finnmark", "00:17:25", "after",
     "Og noen ganger tror jeg staten egentlig har bestemt seg på forhånd. Det skal være bolig, "
     "rekruttering og kompetanse, og så er det vi som skal gjennomføre. Det er greit, men da må man "
     "kalle det det er."),
    ("PL Hjerteregionen", "00:17:42", "before",
     "Jeg tenker at hele poenget er at vi skal bli bedre i stand til å gjøre ting selv. At vi står "
     "igjen med mer kompetanse og et sterkere nettverk etter fire år enn vi hadde før. Hvis det bare "
     "blir et prosjekt som går ut, har vi tapt."),
    ("PL Indre-Namdal", "00:18:02", "before",
     "Og at vi lærer noe sammen med staten. Departementet har sagt ganske tydelig at de også vil lære "
     "av dette, at erfaringene skal inn i distriktspolitikken. Vi deler hva vi gjør, og de deler hva "
     "de vet. Det står faktisk i avtalen."),
    ("Forsker 2", "00:18:20", "before",
     "Har dere eksempler på at dere har endret noe etter at handlingsplanen ble vedtatt?"),
    ("PL Midt", "00:18:26", "after",
     "Ja, mobilitetsdelmålet. Vi hadde skrevet at vi skulle utrede bestillingstransport, og så viste "
     "det seg at AtB allerede hadde satt i gang noe lignende i Gauldal. Da ba vi om et møte, og vi ble "
     "enige om å henge oss på dem i stedet. Det stod ikke i planen, men vi tok det opp i "
     "partnerskapsmøtet, og alle var enige."),
    ("PL Indre-Namdal", "00:18:55", "before",
     "Det er jo poenget med at planen skal rulleres hvert år. Endringer skal vi bli enige om i "
     "partnerskapsmøtet, og alle parter kan melde inn saker. Så spillereglene er avtalt, selv om "
     "innholdet kan endre seg."),
    ("PL Hjerteregionen", "00:19:12", "before",
     "Hos oss har vi laget en egen samhandlingsplan som sier hvem som sitter i styringsgruppa, at "
     "lederen går på rundgang, og at hver kommune har én stemme. Det var viktig for Hasvik og Måsøy. "
     "Ikke at Hammerfest bestemmer alt fordi de har flest innbyggere."),
    ("Moderator", "00:19:35", "before",
     "Vi har ti minutter igjen. Hvis dere skulle gitt ett råd til pulje 2, hva ville det vært?"),
    ("PL Vestre Varanger", "00:19:42", "after",
     "Bruk tid i starten. Det føles som bortkastet tid å sitte i møter om hvem som skal være med og "
     "hvordan dere skal jobbe, men det er det som gjør at dere kommer fort fram senere."),
    ("PL Midt-Finnmark", "00:19:56", "before",
     "Få med kommunedirektørene fra dag én, ikke bare ordførerne. Det er kommunedirektørene som har "
     "folkene."),
    ("PL Indre-Namdal", "00:20:05", "before",
     "Ikke vær redd for å være uenig med staten. De tåler det."),
    ("PL Hjerteregionen", "00:20:10", "after",
     "Og pass på at noen har tid til å gjøre jobben. Det går ikke å være prosjektleder i en "
     "tjueprosentstilling ved siden av alt annet."),
    ("PL Midt", "00:20:20", "before",
     "Finn kaffebaren i nabokommunen og bruk den. (latter) Nei, men jeg mener det. Det er i de "
     "uformelle samtalene ting skjer."),
    ("Moderator", "00:20:31", "before",
     "Takk skal dere ha. Da runder vi av her. Forsker 2 sender ut et kort referat, og så ses vi på "
     "dialogkonferansen i april. Lunsjen står klar i kantina i første etasje."),
]

# ---------------------------------------------------------------------------
# 2. Action plan Indre-Namdal 2024 (pdf)
# ---------------------------------------------------------------------------

PDF_HEADER = "Bygdevekstavtale Indre-Namdal – handlingsplan 2024"

# ("h1" | "h2" | "p", text)
PLAN: list[tuple[str, str]] = [
    ("h1", "Handlingsplan 2024"),
    ("p", "Bygdevekstavtale for Grong, Lierne, Namsskogan og Røyrvik. Vedtatt i kommunestyrene i "
          "desember 2023. Behandlet i partnerskapsmøtet 15. januar 2024."),
    ("h2", "1 Innledning"),
    ("p", "Bygdevekstavtalen mellom staten ved Kommunal- og distriktsdepartementet, Trøndelag "
          "fylkeskommune og kommunene Grong, Lierne, Namsskogan og Røyrvik ble signert i 2023. "
          "Avtalen gjelder i fire år og beskriver hva partene vil oppnå sammen: at Indre-Namdal skal bli et "
          "enda bedre sted å bo og jobbe, og at flere skal flytte til og færre flytte "
          "fra regionen. Denne handlingsplanen gjør avtalen konkret for 2024. Den angir delmål, "
          "tiltak, ansvar og ressurser, og den skal rulleres hvert år."),
    ("p", "Planen bygger på kommunenes egne planer, på regional planstrategi for Trøndelag og på "
          "innspill fra folkemøter i alle fire kommunene høsten 2023, der til sammen om lag 240 "
          "innbyggere deltok. Ungdomsrådene, eldrerådene, Namdal næringsforening og faglagene i "
          "landbruket har gitt skriftlige innspill. Det samiske perspektivet er ivaretatt gjennom "
          "dialog med reinbeitedistriktene i regionen."),
    ("p", "Handlingsplanen er et levende dokument. Partene er enige om at tiltak kan justeres, "
          "erstattes eller utsettes underveis dersom forutsetningene endrer seg, men at slike "
          "endringer skal drøftes og godkjennes i partnerskapsmøtet og synliggjøres i den årlige "
          "rapporten."),
    ("h2", "2 Organisering og samhandling"),
    ("p", "Styringsgruppen består av ordførerne og kommunedirektørene i de fire kommunene. "
          "Ledervervet går på rundgang med ett års varighet; i 2024 leder Namsskogan. Hver kommune "
          "har én stemme, og saker avgjøres ved konsensus så langt det er mulig."),
    ("p", "Partnerskapsmøtet samler avtalepartene og samarbeidspartene: Kommunal- og "
          "distriktsdepartementet, Trøndelag fylkeskommune, Statsforvalteren i Trøndelag, "
          "Husbanken, Distriktssenteret og Innovasjon Norge. Møtet holdes to ganger i året. Alle "
          "parter kan melde inn saker, og møteledelsen deles mellom fylkeskommunen og "
          "styringsgruppens leder."),
    ("p", "Prosjektleder er ansatt i Grong kommune i full stilling og rapporterer til "
          "styringsgruppen. Prosjektleder koordinerer arbeidet, følger opp tiltakseierne, "
          "forbereder møtene og er kontaktpunkt mot departementet og samarbeidspartene. For hvert "
          "delmål er det etablert en arbeidsgruppe med en ansvarlig kommune."),
    ("h2", "3 Delmål og tiltak for 2024"),
    ("h2", "Delmål 1: Rekruttere arbeidskraften regionen trenger"),
    ("p", "Regionen mangler sykepleiere, lærere, fagarbeidere i industrien og folk med "
          "ingeniørkompetanse. Kommunene vil utarbeide en felles kompetansestrategi sammen med "
          "fylkeskommunen, NAV og næringsforeningen, og følge opp undersøkelsen blant unge voksne "
          "som har flyttet ut av regionen. Et felles omdømmearbeid skal vise fram jobbene og "
          "bomulighetene i alle fire kommunene. Ansvarlig: Lierne kommune."),
    ("h2", "Delmål 2: Fleksibel og desentralisert utdanning"),
    ("p", "Grong-måten, samarbeidet mellom videregående skole og lokalt næringsliv, skal "
          "videreutvikles og prøves ut i grunnskolen i Lierne og Røyrvik. Det skal etableres et "
          "trainee-program for nyutdannede i samarbeid med bedriftene. Arbeidet med Namdal "
          "studiesenter og tilbud om desentralisert sykepleie- og lærerutdanning følges opp med "
          "fylkeskommunen og universitetene. Ansvarlig: Grong kommune."),
    ("h2", "Delmål 3: Lokale studie- og kontorfellesskap"),
    ("p", "Kommunene vil utvikle et konsept for lokale kontorfellesskap der pendlere, "
          "studenter og statlig ansatte kan arbeide side om side. En hospiteringsordning skal gjøre "
          "det mulig for ansatte i statlige virksomheter å jobbe fra regionen i perioder. "
          "Kommunal- og distriktsdepartementet har sagt seg villig til å bidra med å finne "
          "statlige virksomheter som vil prøve ordningen. Ansvarlig: Namsskogan kommune."),
    ("h2", "Delmål 4: Flere boliger og nye boligtilbud"),
    ("p", "Mangel på utleieboliger er det viktigste hinderet for tilflytting. Kommunene vil "
          "ansette en felles boligkoordinator fra 1. mars 2024, øke bruken av Husbankens "
          "virkemidler, holde bransjemøter med private utbyggere og lokale sparebanker og prøve ut "
          "nye modeller for risikodeling ved bygging av utleieboliger. Husbanken deltar med en "
          "fast rådgiverdag i regionen hver måned. Ansvarlig: Røyrvik kommune."),
    ("h2", "Delmål 5: Bedre mobilitet"),
    ("p", "Det skal utarbeides et kunnskapsgrunnlag for behovet for kollektivtransport, og "
          "kommunene vil sammen med AtB prøve ut bestillingstransport som også dekker "
          "kveldstid og helg. Innspill fra ungdomsrådene om transport til fritidsaktiviteter "
          "prioriteres. Ansvarlig: Lierne kommune, i samarbeid med fylkeskommunen."),
    ("h2", "Delmål 6: Samarbeid om samfunnsutvikling og planlegging"),
    ("p", "Kommunene vil utrede en interkommunal strategisk plan for samhandling og vurdere ulike "
          "modeller for felles plankompetanse. Statsforvalteren og Distriktssenteret bidrar med "
          "veiledning og erfaringer fra andre regioner. Ansvarlig: Grong kommune."),
    ("h2", "Delmål 7: Styrke landbruket og reindrifta"),
    ("p", "Antallet aktive gårdsbruk er halvert på tjue år. Sammen med faglagene og "
          "Statsforvalteren skal kommunene kartlegge hvilke tiltak som gir mest vekst, med vekt på "
          "generasjonsskifte, avløsning og rekruttering av unge bønder. Dialogen med "
          "reindriftsnæringen om arealbruk skal styrkes. Ansvarlig: Lierne kommune."),
    ("h2", "4 Økonomi"),
    ("p", "Kostnadsrammen for 2024 er anslått til 9,4 millioner kroner. Av dette forutsettes 5,0 "
          "millioner kroner dekket av tilskudd fra Kommunal- og distriktsdepartementet, 1,5 "
          "millioner kroner av Trøndelag fylkeskommune og 1,2 millioner kroner av kommunene. Resten "
          "søkes fra andre ordninger. Tilskuddet fra staten er ikke avklart når planen vedtas, og "
          "omfanget av tiltakene vil bli tilpasset det endelige tilskuddsbrevet."),
    ("p", "Kommunene stiller egen arbeidstid i arbeidsgruppene til disposisjon. Dette er ikke "
          "prissatt i budsjettet, men utgjør en vesentlig del av innsatsen."),
    ("h2", "5 Rapportering og oppfølging"),
    ("p", "Prosjektleder rapporterer status for hvert tiltak til styringsgruppen hvert kvartal. "
          "Innen 1. februar hvert år sendes en samlet rapport til departementet og fylkeskommunen "
          "med oversikt over gjennomførte tiltak, bruk av midler og måloppnåelse målt mot "
          "indikatorene i vedlegg 1. Rapporten danner grunnlag for neste års tilskudd. Avvik fra "
          "planen skal begrunnes."),
    ("p", "I tillegg deltar regionen i følgeevalueringen av bygdevekstavtalene og i "
          "prosjektledernettverket for pulje 1, der erfaringer deles mellom pilotene."),
    ("h2", "6 Risiko"),
    ("p", "Den største risikoen er knyttet til kontinuitet. Prosjektlederstillingen er "
          "finansiert ut 2025, og mye av kunnskapen om arbeidet ligger hos én person. "
          "Styringsgruppen vil i løpet av 2024 avklare hvordan stillingen kan videreføres. Videre "
          "er det risiko for at tiltak tar lengre tid enn planlagt fordi arbeidsgruppene består av "
          "ansatte med fulle stillinger fra før, og for at statlige samarbeidsparter ikke har "
          "avsatt nok kapasitet til å følge opp."),
]

# ---------------------------------------------------------------------------
# 3. Agreement for pilot Midt (odt)
# ---------------------------------------------------------------------------

# ("h1" | "h2" | "p", text)
AVTALE: list[tuple[str, str]] = [
    ("h1", "Bygdevekstavtale for Rindal og Holtålen"),
    ("p", "Avtale om samarbeid for bosetting, kompetent arbeidskraft og framtidsrettet "
          "næringsutvikling i pilot Midt. Signert 14. september 2023."),
    ("h2", "1 Parter"),
    ("p", "Avtalen inngås mellom staten ved Kommunal- og distriktsdepartementet, Trøndelag "
          "fylkeskommune, Rindal kommune og Holtålen kommune. Statsforvalteren i Trøndelag, "
          "Husbanken, Distriktssenteret og Innovasjon Norge deltar som samarbeidsparter i arbeidet "
          "med handlingsplanene innenfor sine ansvarsområder og tildelte oppdrag."),
    ("h2", "2 Bakgrunn og formål"),
    ("p", "Rindal og Holtålen er små kommuner med spredt bosetting, sterke landbruksmiljøer og "
          "et næringsliv som mangler arbeidskraft. Begge kommunene har hatt nedgang i folketallet "
          "over tid. Kommunene har selv pekt ut hvilke utfordringer som er viktigst, og avtalen "
          "bygger på disse."),
    ("p", "Formålet med avtalen er å styrke kommunenes evne til selv å drive samfunns- og "
          "næringsutvikling, og å gi bedre samordning av statlige og regionale virkemidler. "
          "Avtalen skal også gi staten kunnskap om hvordan distriktspolitikken virker i små "
          "kommuner. Erfaringer skal deles mellom partene og med de andre pilotene."),
    ("h2", "3 Innsatsområder"),
    ("p", "Partene er enige om å samarbeide innenfor følgende innsatsområder:"),
    ("p", "Bolig: øke boligbyggingen og utvikle nye botilbud, blant annet gjennom bedre bruk av "
          "Husbankens virkemidler og samarbeid med lokale sparebanker og private utbyggere."),
    ("p", "Samfunnsutvikling og planlegging: styrke plankompetansen, utvikle areal- og "
          "naturregnskap og legge til rette for tettstedsutvikling i Rindal sentrum og Ålen."),
    ("p", "Rekruttering: sikre tilgang på relevant arbeidskraft gjennom kompetansekartlegging, "
          "omdømmebygging og arbeidsinkludering."),
    ("p", "Mobilitet: bedre transporttilbudet for innbyggere og tilreisende, herunder "
          "bestillingstransport og bedre forbindelser til buss og tog."),
    ("p", "Landbruk: styrke landbruksnæringen, blant annet gjennom lokale retningslinjer for "
          "praktisering av jord- og konsesjonsloven og bedre tilgang på avløsere."),
    ("p", "Utdanning: øke tilgangen til fleksibel og desentralisert utdanning."),
    ("h2", "4 Samarbeidsform og roller"),
    ("p", "Avtalen er en intensjonsavtale. Den binder ikke partene til bestemte tiltak eller "
          "beløp, men forplikter dem til å arbeide sammen om innsatsområdene og til å bidra med "
          "kompetanse og ressurser innenfor egne rammer. Konkrete delmål, tiltak og ansvar "
          "fastsettes i årlige handlingsplaner."),
    ("p", "Kommunene leder arbeidet lokalt og har ansvar for å utarbeide handlingsplanene i "
          "dialog med de øvrige partene. Kommunene ansetter en felles prosjektleder."),
    ("p", "Kommunal- og distriktsdepartementet bidrar med tilskudd innenfor de rammer Stortinget "
          "fastsetter, med samordning av statlige aktører og med å følge opp saker som krever "
          "avklaringer på nasjonalt nivå."),
    ("p", "Trøndelag fylkeskommune bidrar med kompetanse innenfor samfunnsutvikling, "
          "kollektivtransport og utdanning, med regionale utviklingsmidler og med å se avtalen i "
          "sammenheng med regional planstrategi."),
    ("p", "Partene møtes i et partnerskapsmøte minst to ganger i året. Uenighet om avtalens "
          "innhold eller gjennomføring skal søkes løst i dialog mellom partene."),
    ("h2", "5 Rapportering"),
    ("p", "Kommunene rapporterer årlig til departementet og fylkeskommunen om gjennomførte "
          "tiltak og bruk av midler. Rapporteringen skal være enkel og tilpasset kommunenes "
          "kapasitet. Departementet sørger for at avtalen følgeevalueres."),
    ("h2", "6 Økonomi"),
    ("p", "Statlig tilskudd gis årlig over Kommunal- og distriktsdepartementets budsjett og "
          "forutsetter Stortingets bevilgning. Tilskuddet skal brukes til prosjektlederstilling, "
          "utviklingsarbeid og medfinansiering av tiltak i handlingsplanene. Kommunene og "
          "fylkeskommunen bidrar med egeninnsats og midler etter nærmere avtale i "
          "handlingsplanene."),
    ("h2", "7 Varighet og endringer"),
    ("p", "Avtalen gjelder fra signering og til og med 31. desember 2026. Partene kan be om "
          "endringer i avtalen, og endringer avtales skriftlig. Avtalen kan sies opp av hver av "
          "partene med seks måneders varsel. Før avtaleperioden er over, skal partene vurdere om og "
          "hvordan samarbeidet kan videreføres."),
    ("h2", "8 Underskrifter"),
    ("p", "For Kommunal- og distriktsdepartementet, for Trøndelag fylkeskommune, for Rindal "
          "kommune og for Holtålen kommune. Avtalen er undertegnet i fire eksemplarer, ett til hver "
          "part."),
]


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------


def write_docx(path: Path) -> None:
    import docx

    doc = docx.Document()
    doc.core_properties.title = FG_TITLE
    doc.core_properties.author = "Følgeevalueringen (fiktivt demomateriale)"
    doc.add_paragraph(FG_TITLE, style="Title")
    for line in FG_META:
        doc.add_paragraph(line)
    for label, stamp, where, text in FG_TURNS:
        if label is None:
            doc.add_paragraph(text)
        elif where == "before":
            doc.add_paragraph(f"[{stamp}] {label}: {text}")
        else:
            doc.add_paragraph(f"{label}: [{stamp}] {text}")
    doc.save(path)


VOWELS = set("aeiouyæøåéAEIOUYÆØÅ")


def _hyphen_split(word: str, fits) -> tuple[str, str] | None:
    """Split `word` as "prefix-" + rest so that the prefix fits; V-CV syllable heuristic."""
    if "-" in word or len(word) < 7 or not word[:-1].isalpha():
        return None
    for i in range(len(word) - 3, 2, -1):
        if word[i] not in VOWELS and word[i + 1] in VOWELS and word[i - 1] in VOWELS:
            if fits(word[:i] + "-"):
                return word[:i] + "-", word[i:]
    return None


def _wrap(pdf, text: str, width: float) -> list[str]:
    lines: list[str] = []
    line = ""
    words = text.split()
    k = 0
    while k < len(words):
        word = words[k]
        candidate = word if not line else line + " " + word
        if pdf.get_string_width(candidate) <= width:
            line = candidate
            k += 1
            continue
        split = _hyphen_split(word, lambda s: pdf.get_string_width((line + " " + s).strip()) <= width)
        if split is not None:
            lines.append((line + " " + split[0]).strip())
            words[k] = split[1]
            line = ""
            continue
        if line:
            lines.append(line)
            line = ""
        else:  # a single word wider than the column: put it alone
            lines.append(word)
            k += 1
    if line:
        lines.append(line)
    return lines


def write_pdf(path: Path) -> None:
    from fpdf import FPDF

    font_dir = Path("/usr/share/fonts/truetype/dejavu")

    class Plan(FPDF):
        def header(self) -> None:
            self.set_font("DejaVu", "", 8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 6, PDF_HEADER, align="L")
            self.ln(12)
            self.set_text_color(0, 0, 0)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("DejaVu", "", 8)
            self.cell(0, 6, f"Side {self.page_no()} av {{nb}}", align="C")

    pdf = Plan(format="A4")
    pdf.add_font("DejaVu", "", str(font_dir / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(font_dir / "DejaVuSans-Bold.ttf"))
    pdf.set_title("Handlingsplan 2024 – Bygdevekstavtale Indre-Namdal")
    pdf.set_author("Styringsgruppen for bygdevekstavtalen i Indre-Namdal (fiktivt demomateriale)")
    pdf.set_margins(left=30, top=20, right=30)
    pdf.set_auto_page_break(auto=True, margin=22)
    pdf.add_page()
    width = 105.0  # narrow column, so that words get hyphenated at line ends
    for kind, text in PLAN:
        if kind == "h1":
            pdf.set_font("DejaVu", "B", 16)
            pdf.multi_cell(width, 9, text, align="L")
            pdf.ln(3)
            continue
        if kind == "h2":
            if pdf.get_y() > pdf.h - 50:
                pdf.add_page()
            pdf.ln(2)
            pdf.set_font("DejaVu", "B", 11.5)
            pdf.multi_cell(width, 6.5, text, align="L")
            pdf.ln(1)
            continue
        pdf.set_font("DejaVu", "", 10.5)
        for line in _wrap(pdf, text, width):
            pdf.cell(width, 5.4, line, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2.5)
    pdf.output(str(path))


def write_odt(path: Path) -> None:
    from odf.opendocument import OpenDocumentText
    from odf.style import ParagraphProperties, Style, TextProperties
    from odf.text import H, P

    doc = OpenDocumentText()
    h1 = Style(name="Heading_20_1", displayname="Heading 1", family="paragraph")
    h1.addElement(TextProperties(fontsize="16pt", fontweight="bold"))
    h1.addElement(ParagraphProperties(margintop="0.4cm", marginbottom="0.2cm"))
    h2 = Style(name="Heading_20_2", displayname="Heading 2", family="paragraph")
    h2.addElement(TextProperties(fontsize="13pt", fontweight="bold"))
    h2.addElement(ParagraphProperties(margintop="0.3cm", marginbottom="0.15cm"))
    body = Style(name="Text_20_body", displayname="Text body", family="paragraph")
    body.addElement(ParagraphProperties(marginbottom="0.2cm"))
    for style in (h1, h2, body):
        doc.styles.addElement(style)
    for kind, text in AVTALE:
        if kind == "h1":
            doc.text.addElement(H(outlinelevel=1, stylename=h1, text=text))
        elif kind == "h2":
            doc.text.addElement(H(outlinelevel=2, stylename=h2, text=text))
        else:
            doc.text.addElement(P(stylename=body, text=text))
    doc.save(str(path))


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    write_docx(OUT / "fg_prosjektledere_fase2.docx")
    write_pdf(OUT / "handlingsplan_indre_namdal_2024.pdf")
    write_odt(OUT / "avtale_midt_2023.odt")
    print(f"wrote 3 files to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
