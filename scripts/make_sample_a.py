"""Generate the binary .docx sources of demo corpus part A (Finnmark pilots).

The transcripts are fictional and written for the demo corpus. Each non-empty line of a
TRANSCRIPT string below becomes one paragraph; the first line is written in the Title style.
Run from the repository root:

    python scripts/make_sample_a.py

It (re)writes data/sample/fg_prosjektledere_fase1.docx and
data/sample/fg_kommunal_ledelse_vestre_varanger_fase2.docx.
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.shared import Pt

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"

FG_PROSJEKTLEDERE_FASE1 = """
Fokusgruppeintervju – prosjektledergruppen
Dato: 2023-04-18
Sted: Teams
Til stede: Tone Haugland (SINTEF, moderator), prosjektlederne for Midt-Finnmark, Vestre Varanger, Hjerteregionen, Indre-Namdal og Midt. Referent: Per Arne Nilsen (Nord universitet).
[00:00:05] Moderator: Da tror jeg alle er på. Hører dere meg godt? Jeg ser at Hjerteregionen har litt hakkete bilde.
PL Hjerteregionen: [00:00:14] Ja, beklager, jeg sitter på hurtigbåten fra Hasvik, så nettet kommer og går. Jeg slår av kameraet, så blir det sikkert bedre.
[00:00:22] Moderator: Helt greit. Velkommen alle sammen, og takk for at dere setter av tid midt i en travel vår. Vi tar opp samtalen, som avtalt, og alt blir anonymisert i rapporten. Jeg har tenkt at vi bruker litt under tre timer med en pause halvveis. Første runde: hvordan har de første månedene som pilot vært, og hvordan opplevde dere oppstartsamlingen i Tromsø?
PL Midt-Finnmark: [00:01:05] Skal jeg begynne? Jeg kan være ærlig: jeg dro fra Tromsø ganske irritert. Vi hadde reist en hel dag for å komme dit, og så fikk vi høre at det ikke lå noe ferdig og ventet på oss. Ingen egne potter, ingen fortrinnsrett hos Innovasjon Norge, ingenting. Det var vi som skulle finne ut av alt sammen. Og da satt jeg der og tenkte: hva har vi egentlig søkt på?
Det føltes litt som å få en ordre fra Oslo om å løse de samme problemene vi har slitt med i tretti år, bare med et nytt navn på mappa.
[00:02:10] PL Vestre Varanger: Jeg kjenner meg igjen i det. Hos oss hadde ordførerne nok forventet at staten kom med noe konkret. Da jeg kom hjem og skulle forklare formannskapet i Båtsfjord at nei, vi må lage innholdet selv, ble det ganske stille rundt bordet.
Men jeg har endret meg litt siden da. Jeg tror faktisk det er riktig at vi definerer dette selv. Det er vi som vet at det ikke finnes en eneste ledig utleieleilighet i Berlevåg når sommervikarene i sykehjemmet skal begynne.
PL Indre-Namdal: [00:03:02] For oss i Trøndelag er det litt annerledes, tror jeg. Vi har holdt på med interkommunalt samarbeid i Indre-Namdal i mange år, så det å sette seg ned fire kommuner og bli enige om noe, det er ikke nytt. Det nye er at staten sitter på den andre siden av bordet.
[00:03:40] PL Midt: Og vi er bare to kommuner, Rindal og Holtålen, og vi ligger ikke en gang inntil hverandre. Så for oss har det første halvåret mest handlet om å bli kjent. Hvem er teknisk sjef i Holtålen, hva er det de sliter med, hva har de prøvd før. Det gjøres ikke på ett møte.
[00:04:15] Moderator: Dere sier noe om forventninger. Hva var det dere trodde dere skulle få?
PL Hjerteregionen: [00:04:24] Jeg tror vi hadde en forestilling om at vi skulle komme til dekket bord, rett og slett. At vi som pilot kunne gå rett inn i Husbanken og si at vi er bygdevekstkommune, nå vil vi ha en egen ordning for utleieboliger. Sånn er det ikke. Men det jeg har sett etterpå, er at folkene i departementet faktisk tar telefonen. Jeg ringte Ingrid i regionalpolitisk avdeling en fredag ettermiddag fordi vi stod fast med en startlånsak, og på mandag hadde hun fått oss inn på et møte med folk i Husbanken som vi aldri hadde kommet i kontakt med på egen hånd.
PL Midt-Finnmark: Ja, det skal de ha. Det er en annen kultur der enn jeg hadde trodd.
PL Vestre Varanger: [00:05:41] Men jeg vil bare legge til at det blir veldig personavhengig. Det er to–tre personer i departementet som gjør den jobben. Hvis de bytter jobb, hva skjer da med oss?
[00:06:02] Moderator: Det er et godt poeng. La oss snakke litt om rollen deres som prosjektledere. Hvordan vil dere beskrive jobben?
PL Indre-Namdal: [00:06:15] Jeg sier ofte at jeg er limet, men av og til føler jeg meg mer som en gummistrikk. Jeg skal ha med fire kommunedirektører, fire ordførere, fylkeskommunen, statsforvalteren, departementet og næringsforeningen, og alle skal føle at det er deres prosjekt. Jeg sitter i regionrådet på mandag, i næringsforeningens styre på tirsdag, og på onsdag har jeg møte med Husbanken i Trondheim. Jeg prøver å forstå hvorfor hver av dem tenker som de gjør, og så oversetter jeg mellom dem.
[00:07:20] PL Midt: Det er nok der forskjellen går mellom oss. Jeg er mer den som maser. Jeg sender e-post klokka elleve om kvelden og spør om vi kan få et svar innen fredag. Noen synes sikkert det er slitsomt, og jeg har fått høre det. Men hvis ikke noen drar i dette, så skjer det ingenting.
PL Hjerteregionen: [00:07:58] Jeg har en halv stilling som prosjektleder og en halv stilling som næringsrådgiver i Måsøy. Det betyr i praksis at bygdevekst blir det jeg gjør på kveldene. Når det brenner i en fiskebedrift, så må jeg dit.
Så når dere spør om rollen, så er jeg opptatt av at det vi lager faktisk skal virke for folk som bor her. Jeg har ikke så mye tålmodighet med lange strategidokumenter. Vi trenger ti boliger i Havøysund, ikke en ny utredning om boligbehov.
[00:08:45] PL Vestre Varanger: Og jeg er vel den som sitter og leser tilskuddsbrevet tre ganger og lurer på hva som egentlig menes med "rapportering på indikatorer". Jeg vil gjerne vite hvilke regler som gjelder før vi starter, for jeg har vært med på prosjekter der vi måtte betale tilbake penger fordi noen hadde tolket regelverket for fritt.
[00:09:30] Moderator: Så dere går ganske ulikt inn i rollen. Hva betyr prosjektledernettverket som Distriktssenteret drifter for dere?
PL Midt-Finnmark: [00:09:41] Det er nok det viktigste rommet jeg har i denne jobben, faktisk. Der kan jeg si ting jeg ikke kan si i styringsgruppa. De to fra Distriktssenteret er flinke til å ikke styre samtalen for mye. De spør heller: hva var det som gjorde at det stoppet opp hos dere? Og så har en av de andre prosjektlederne ofte vært borti akkurat det samme.
[00:10:25] PL Indre-Namdal: Jeg lånte hele malen for innbyggerundersøkelsen fra Vestre Varanger, for å si det sånn. Det hadde tatt meg en måned å lage den selv.
PL Vestre Varanger: [00:10:36] Og jeg har fått mye av tankene om boligsamarbeidet med Husbanken fra dere i Trøndelag. Det går begge veier.
[00:10:50] Moderator: Hvordan er det med forankringen hjemme? Hvordan har dere fått med politikerne?
PL Vestre Varanger: [00:11:02] Hos oss har søknaden og innsatsområdene vært oppe i alle fire kommunestyrene. Det var viktig for meg. Hvis Tana vedtar noe annet enn Berlevåg, har vi et problem. Så vi laget en felles saksframstilling som alle fire kommunedirektørene la fram, nesten ord for ord. Det tok tre måneder, for møtekalenderne er ikke synkronisert.
[00:11:48] PL Midt: Vi har en styringsgruppe med begge ordførerne og begge kommunedirektørene. Der bestemmer vi det løpende, men alt av betydning går til kommunestyrene. Men jeg merker at ordføreren i den ene kommunen er veldig opptatt av at det skal synes at det er hans kommune som får noe ut av det. Han vil gjerne være den som står på bildet i avisa når statssekretæren kommer.
PL Midt-Finnmark: Ja, det er valgår i år. Det merkes hos oss også.
[00:12:35] PL Hjerteregionen: Jeg har hatt folkemøter, ett i hver kommune. I Hasvik kom det over seksti stykker en tirsdagskveld i februar. Det sier noe. Folk ville snakke om ferja, om barnehagen og om at ungdommene ikke kommer hjem igjen etter at de har tatt utdanning. Og så kom et par av fiskebrukene og tilbød seg å stille med lokaler til et kontorfellesskap. Det var ikke noe jeg hadde bedt om.
[00:13:40] Moderator: Når dere nå skal utforme selve avtalen, hva tenker dere at avtalen skal være? Hva skal den gjøre?
PL Indre-Namdal: [00:13:52] Jeg har sagt til mine kommuner at avtalen er et løfte om å fortsette å snakke sammen. Den skal ikke være en bestilling der staten betaler og vi leverer. Det er mer sånn at vi skriver ned hva vi vil oppnå og hvem som må være med, og så må vi finne ut av detaljene underveis sammen med dem som har signert. Hvis vi blir uenige om noe, må vi sette oss ned og snakke om det.
[00:14:40] PL Vestre Varanger: Men der er jeg litt uenig, faktisk. Jeg tror vi trenger noe mer forpliktende. Hvis det bare står at Husbanken skal "bidra inn i samarbeidet", så kan de si at de har bidratt når de har sendt en powerpoint. Jeg vil at det skal stå hva de faktisk gjør, når, og hvordan vi måler det. Ellers er det bare en hensiktserklæring.
PL Indre-Namdal: [00:15:10] Ja, men du får aldri Husbanken til å skrive under på et tall for hvor mange boliger som skal bygges i Namsskogan. De har ikke fullmakt til det fra sin egen ledelse.
[00:15:20] PL Vestre Varanger: Nei, men de kan skrive under på at de stiller med en saksbehandler to dager i måneden. Det er konkret.
[00:15:32] Moderator: Så det står og faller på hva partene faktisk legger inn?
PL Midt-Finnmark: [00:15:38] Ja, det er det det handler om. Hva bidrar staten med, hva bidrar fylkeskommunen med, hva bidrar vi med. Vi har tilbudt at kommunene stiller med lokaler og en halv stilling til kontorfellesskapet i Lakselv. Da forventer vi at noen andre også legger noe i potten, for eksempel at statlige etater lar folk jobbe derfra. Det må være et spleiselag, ikke en gave.
PL Midt: [00:16:20] Og så må noen bestemme. Hvem har egentlig siste ord hvis det er uenighet om hvordan pengene skal brukes? Er det styringsgruppa, er det departementet? Det står ingenting om det i utkastet vi har fått.
[00:16:50] PL Hjerteregionen: Jeg tenker at det ikke kan være sånn at én part sitter med all makta. Vi må ha en struktur der kommunene leder prosessen, men der fylkeskommunen og statsforvalteren har en tydelig plass rundt bordet og kan ta initiativ selv. Ikke at alle sitter og venter på departementet.
[00:17:25] Moderator: La oss ta en kort pause og komme tilbake klokka kvart over. Er det greit?
PL Midt-Finnmark: Helt fint. Jeg må bare hente kaffe og sjekke om barnehagen har ringt.
[01:32:10] Moderator: Da er vi tilbake. Vi snakket om hva avtalen skal være. Jeg vil gjerne høre mer om tid. Hvordan opplever dere tidsplanen?
PL Vestre Varanger: [01:32:22] Den er helt urealistisk. Vi skal levere utkast til avtale til høsten, og samtidig vet vi ikke hvor mye penger det blir etter neste år. Det er to millioner i året per pilot nå, og det går stort sett med til prosjektlederstillingen og reising. Hvordan skal jeg forklare Nesseby at de skal bruke tid på dette når vi ikke vet om det finnes i 2025?
[01:33:10] PL Indre-Namdal: Og alt tar lengre tid enn man tror. Det er ikke fordi noen er late. Det er fordi fire kommuner har fire kommunestyremøter, og fylkeskommunen har sitt årshjul, og departementet har sitt.
PL Midt: [01:33:40] Jeg skulle ønske noen hadde sagt det i starten: regn med dobbelt så lang tid.
Merk: dette er ikke kritikk av departementet, de har vært tydelige på at vi skal få bruke den tida vi trenger. Det er mer at vi som kommuner har lovet våre egne politikere resultater før jul, og det løftet kommer vi ikke til å klare.
[01:34:30] Moderator: Hva med samarbeidet mellom kommunene i piloten? Har det endret seg?
PL Midt-Finnmark: [01:34:40] Ja. Før var det sånn at Nordkapp og Porsanger var litt konkurrenter. Hvem får flyruta, hvem får den nye linja på videregående. Nå sitter kommunedirektørene og ringer hverandre før de svarer fylkeskommunen. Det har jeg ikke sett før. Og Gamvik og Lebesby, som er minst, sier at de for første gang føler at de blir hørt i en sånn konstellasjon.
Men vi har også hatt en ganske tøff runde om hvor kontorfellesskapet skal ligge. Alle vil ha det. Vi endte med at vi prøver ut en modell med ett knutepunkt og små satellitter i hver kommune. Det er ikke perfekt, men alle kunne leve med det.
[01:35:50] PL Hjerteregionen: Hos oss er det størrelsesforskjellen som er utfordringen. Hammerfest er mye større enn Hasvik og Måsøy til sammen. Hvis Hammerfest vil noe, kan de gjøre det alene. Så jeg har brukt mye tid på å vise at Hammerfest også trenger de små kommunene, for eksempel fordi fiskeriene og arbeidskraften henger sammen på tvers. Når Hasvik mister folk, mister Hammerfest kunder og leverandører.
[01:36:40] PL Indre-Namdal: Vi har regionrådet og en lang historie. Men det nye er at vi samarbeider med de andre pilotene. Jeg hadde aldri snakket med noen i Berlevåg før i fjor. Nå har vi et felles notat om startlån som vi sendte til departementet sammen med Finnmarks-pilotene.
[01:37:20] Moderator: Det er interessant. Hvordan opplever dere forholdet til departementet mer generelt? Dere nevnte at de tar telefonen.
PL Vestre Varanger: [01:37:32] Det er jo det som har overrasket meg mest. Da statssekretæren var i Tana, satt hun i tre timer med ordførerne og hørte på. Og etterpå fikk vi et møte med folk fra Kunnskapsdepartementet om desentralisert utdanning, som vi hadde prøvd å få til i to år. Det er den typen dører som åpnes.
PL Midt-Finnmark: [01:38:10] Samtidig er det litt skummelt. Når staten kommer så tett på, hvem er det egentlig som styrer? I utkastet kom det inn formuleringer om at kommunene skulle oppdatere samfunnsdelen av kommuneplanen innen en bestemt dato. Det hadde ikke vi bedt om. Det var en forventning fra dem, og den ble ikke diskutert.
[01:38:50] PL Midt: Jeg tror det er en balanse. Departementet bestemmer rammene, det er deres penger. Og så er det vi som skal gjøre jobben. Staten har sagt at de vil ha bosetting, arbeidskraft og næringsutvikling, og så får vi gjennomføre på vår måte.
PL Indre-Namdal: [01:39:15] Det er jeg ikke enig i. Hvis det bare var det, hadde vi ikke trengt å bruke et år på å finne ut hva vi skal gjøre. Poenget er jo at vi skal bli sterkere selv, få mer kapasitet til å drive utvikling, også etter at pilotperioden er over. For meg handler det om at Lierne og Røyrvik skal klare å ta tak i ting selv neste gang, uten at noen må holde dem i hånda.
[01:40:00] PL Hjerteregionen: Og så handler det om at staten skal lære noe av oss. At de forstår hvordan det faktisk er å rekruttere en lege til Hasvik. Det er den delen jeg synes er mest spennende: at vi sitter sammen, deler det vi vet, og at begge parter går derfra med en litt annen forståelse.
[01:40:35] Moderator: Hvis dere skulle se fem år fram, hva håper dere at bygdevekst har ført til?
PL Vestre Varanger: [01:40:45] Jeg er ikke så flink med de store linjene, for å være ærlig. Jeg vil bare at vi skal ha fått på plass et felles startlånkontor og en boligstrategi som faktisk brukes.
PL Midt-Finnmark: [01:41:00] Jeg drømmer litt større. Jeg ser for meg at Midt-Finnmark om ti år er en region der du kan jobbe for hvilken som helst arbeidsgiver i landet fra et kontorfellesskap i Kjøllefjord, der ungdommene kan ta fagskole uten å flytte, og der vi har sluttet å tenke på kommunegrensene som noe viktig. Jeg vet ikke helt hvordan vi kommer dit, og folk ler litt av meg når jeg sier det på møter, men noen må holde det bildet oppe.
PL Midt: [01:41:50] Det trenger vi også. Men jeg blir nervøs når det blir for mye luft. Jeg trenger en liste med tre ting som skal være gjort før sommeren.
[01:42:05] Moderator: Dere er veldig ulike, og det er kanskje en styrke. Et siste spørsmål før vi avslutter: hva bør departementet vite som de ikke vet i dag?
PL Hjerteregionen: [01:42:18] At en prosjektleder i en liten kommune står ganske alene. Det er ingen avdeling bak meg. Hvis jeg blir syk i tre uker, står alt stille.
PL Indre-Namdal: [01:42:35] At det må komme et tydelig signal om at dette varer. Så lenge vi bare har penger for ett år om gangen, får vi ikke folk til å forplikte seg. Kommunedirektørene i mine kommuner har sagt rett ut at de venter og ser hva som står i statsbudsjettet til høsten.
PL Vestre Varanger: [01:43:00] Og at rapporteringen må stå i forhold til pengene. Vi fikk et skjema med fjorten indikatorer for et tilskudd på to millioner. Det blir litt mye.
PL Midt-Finnmark: Jeg vil bare si at det har vært bra å sitte her. Jeg har aldri hatt så mye til felles med folk fra Trøndelag.
[01:43:30] Moderator: Det tar vi med oss. Tusen takk alle sammen. Vi sender ut et kort referat, og så ses vi på samlingen i juni.
"""

FG_KOMMUNAL_LEDELSE_VESTRE_VARANGER_FASE2 = """
Fokusgruppeintervju – kommunal ledelse, Vestre Varanger
Dato: 2024-09-17
Sted: Tana rådhus, Tana bru
Til stede: Tone Haugland (SINTEF, intervjuer), ordførerne i Berlevåg og Nesseby, kommunedirektørene i Tana og Båtsfjord. Prosjektleder deltok ikke.
[00:00:08] Intervjuer: Takk for at dere tok dere tid, og takk for kaffen. Jeg vet at dere har kommunestyremøte i Berlevåg i morgen, så vi skal holde oss innenfor halvannen time.
Ordfører Berlevåg: [00:00:20] Det går fint. Jeg kjører hjem i kveld, det er bare et par timer så lenge det ikke blir kolonnekjøring over fjellet.
[00:00:32] Intervjuer: Dere har nå hatt en signert avtale i et halvt år og en handlingsplan som er vedtatt. Hvordan vil dere beskrive situasjonen nå, sammenlignet med for et år siden?
Kommunedirektør Tana: [00:00:45] Eg kan byrje. For eit år sidan var det mykje prat og lite handling, synest eg. No har vi faktisk ein handlingsplan med namn på kven som skal gjere kva, og vi har fått tilskotsbrevet frå departementet. Det gjer noko med korleis folk i administrasjonen ser på det. Når det kjem eit brev med riksløva på og eit beløp, då skjønar alle at dette er på alvor.
Men eg skal vere ærleg, det er framleis slik at det er eg og prosjektleiaren som dreg det meste. Einingsleiarane har meir enn nok med sitt eige.
[00:01:50] Ordfører Nesseby: Jeg vil si at den største forskjellen er at vi snakker sammen på en annen måte. Før var det sånn at vi møttes i regionrådet og var høflige mot hverandre, og så dro vi hjem og gjorde som vi ville. Nå må vi faktisk bli enige, for pengene kommer til piloten og ikke til hver enkelt kommune.
Kommunedirektør Båtsfjord: [00:02:30] Og det har ikke alltid vært like lett. Jeg skal ikke legge skjul på at vi hadde en ganske opphetet diskusjon i vår om hvor saksbehandleren for startlån skulle sitte. Båtsfjord har flest innbyggere i arbeidsfør alder, og vi mente det var naturlig at stillingen lå hos oss. Tana mente det samme.
[00:03:05] Kommunedirektør Tana: Og vi meinte det med god grunn. Men vi enda med at stillinga er felles, at vedkomande sit der det passar, og har faste dagar i alle fire kommunane. Det var ikkje mitt førsteval, men eg trur det var rett. Det viktigaste er at folk i Berlevåg får svar på søknaden sin like fort som folk i Tana.
[00:03:40] Intervjuer: Hvordan ble den uenigheten løst?
Ordfører Berlevåg: [00:03:48] Vi tok det i styringsgruppa, og så tok vi en runde til. Prosjektlederen var flink til å legge fram tre alternativer med fordeler og ulemper. Og så var det vel egentlig en telefon mellom meg og ordføreren i Tana en søndag kveld som løste det.
Ordfører Nesseby: Det er sånn det fungerer her. (latter)
[00:04:20] Intervjuer: Hva med forankringen i kommunestyrene? Hvordan følger politikerne med?
Ordfører Nesseby: [00:04:30] Vi har bygdevekst som fast sak på hvert formannskapsmøte. Det var noe jeg insisterte på. Hvis ikke politikerne ser det jevnlig, blir det administrasjonens prosjekt, og da dør det når prosjektlederen slutter. Vi hadde også et åpent møte i samfunnshuset i Varangerbotn i august, med tolk til samisk, der folk fikk komme med innspill til handlingsplanen. Reindriften var der, og noen av de unge som driver med turisme.
Ordfører Berlevåg: [00:05:30] Jeg må innrømme at bygdevekst ikke er det som gir flest stemmer. Folk i Berlevåg er opptatt av molo, havn og legevakt. Men jeg bruker det aktivt når jeg er i Oslo. Når jeg sier at vi er en av fem nasjonale piloter, så lytter de annerledes enn når jeg bare er ordfører i en kommune med ni hundre innbyggere. Det gir meg en plass ved bordet som jeg ellers ikke hadde fått, og det skal jeg ikke legge skjul på at jeg bruker.
[00:06:20] Kommunedirektør Båtsfjord: Og det er jo lov å utnytte det.
[00:06:25] Intervjuer: Hvordan opplever dere samarbeidet med de andre partene i avtalen, statsforvalteren, fylkeskommunen, Husbanken?
Kommunedirektør Tana: [00:06:38] Statsforvaltaren har vore ein god støttespelar heilt sidan vi byrja å greie ut det felles plankontoret. Dei har skjønt at vi ikkje klarer alle planoppgåvene åleine, og dei har kome med både pengar og folk. Men det er ein dobbel rolle: den eine dagen sit dei saman med oss og planlegg, den neste dagen sender dei eit tilsynsbrev om barnevernet. Det er ikkje alltid enkelt å vite kva hatt dei har på.
Kommunedirektør Båtsfjord: [00:07:35] Husbanken har vært en positiv overraskelse. De har vært her oppe to ganger, og de har hatt kurs for saksbehandlerne våre. Det er første gang på ti år at jeg har sett noen fra Husbanken i Båtsfjord. Jeg vet at det står noe i oppdragsbrevet deres nå om bygdevekst, og det merkes.
Ordfører Berlevåg: [00:08:10] Fylkeskommunen er vanskeligere å få tak på. De har hatt nok med seg selv etter delingen. Vi sendte en henvendelse om bussruta mellom Berlevåg og Tana i mars og har fortsatt ikke fått et skikkelig svar.
[00:08:40] Intervjuer: Avtalen sier at uenighet skal løses gjennom dialog. Har dere tenkt på hva som skjer hvis en part ikke leverer?
Kommunedirektør Båtsfjord: [00:08:55] Ja, og svaret er vel at det skjer ingenting. Det er ingen sanksjoner i avtalen. Jeg har vært med på å skrive anbudskontrakter med dagbøter, og det er en helt annen verden. Her står det at partene skal søke å løse uenighet i fellesskap. Jeg var skeptisk til det i starten.
Jeg er fortsatt litt skeptisk, for å være ærlig. Men jeg ser at det ikke hadde fungert med dagbøter overfor et departement. Det eneste vi egentlig har, er at alle vet at alle andre følger med.
Kommunedirektør Tana: [00:09:45] Eg ser på det som to lag. Avtalen er det lange laget, han ligg fast i fire år og seier kvar vi skal. Handlingsplanen er det korte laget, han blir rullert kvart år, og der står dei konkrete tiltaka med budsjett. Då kan vi justere undervegs utan å måtte forhandle om alt på nytt.
[00:10:30] Intervjuer: Hva betyr det at avtaleperioden ble utvidet fra to til fire år?
Ordfører Nesseby: [00:10:38] Det betyr alt. Med to år hadde vi brukt det første året på å forstå hva vi holdt på med, og det andre på å skrive sluttrapport. Nå kan vi faktisk ansette folk i stillinger som varer lenger enn et vikariat.
Kommunedirektør Båtsfjord: [00:11:00] Men pengene kommer fortsatt ett år av gangen. Vi vet ikke hva som står i neste statsbudsjett. Jeg har en saksbehandler som spør meg om hun bør si ja til en fast jobb i Vadsø, og jeg kan ikke love henne noe.
[00:11:35] Intervjuer: Hvordan vil dere beskrive prosjektlederens rolle nå?
Ordfører Berlevåg: [00:11:42] Hun er helt avgjørende. Uten henne hadde dette stoppet opp for lengst. Hun har en evne til å holde oss fire sammen og samtidig ha kontakt med alle i departementet og hos statsforvalteren. Hun vet hvem hun skal ringe, og hun vet hva de trenger å høre.
Kommunedirektør Tana: [00:12:05] Ho er òg flink til å seie nei. Det trengst. Vi i kommunane har ein tendens til å ville ha med alt.
Kommunedirektør Båtsfjord: [00:12:20] Men vi må være ærlige på at hun er sårbar. Hun har ingen stedfortreder. Og hun har fått mer og mer ansvar uten at stillingen har vokst.
[00:12:40] Intervjuer: Hvis dere tenker på hva bygdevekst egentlig skal være: er det staten som setter mål og dere som gjennomfører, eller er det noe annet?
Ordfører Nesseby: [00:12:52] Vi har sagt det fra dag én: vi gjør dette for å bli i stand til å stå på egne bein. Nesseby skal kunne drive utviklingsarbeid selv om fem år, med egne folk og egen kompetanse. Kurset i designdrevet innovasjon for lederne er et eksempel. Det er ikke staten som trenger det, det er vi.
Kommunedirektør Båtsfjord: [00:13:30] Det er riktig, men det er jo også slik at staten har bestemt de store linjene. Bosetting, arbeidskraft, næring. Vi kunne ikke ha søkt om penger til en ny svømmehall.
[00:13:45] Kommunedirektør Tana: Og så er det ein tredje ting, som eg synest vi snakkar for lite om. Vi har lært utruleg mykje av dei andre pilotane, og eg trur departementet har lært mykje av oss. Den felles samlinga i Alta i vår var nok den beste dagen eg har hatt i denne jobben. Vi delte erfaringar, vi var ueinige, og vi gjekk derifrå med meir felles forståing.
[00:14:30] Intervjuer: Dere nevner uenighet. Hva var dere uenige om i Alta?
Kommunedirektør Tana: [00:14:38] Om kor mykje vi skal bruke på utgreiingar. Nokre av oss meiner vi har greidd ut nok. Andre meiner vi må vite meir før vi set i gang. Eg høyrer til den første gruppa. Vi treng ein startlånskontor som fungerer på måndag, ikkje ein rapport til.
Ordfører Berlevåg: [00:15:00] Og jeg hører til dem som mener vi må tenke mye større. Hvorfor skal vi bare være fire kommuner som samarbeider om plan? Hvorfor ikke bli en utviklingskommune, en helt ny måte å organisere kommunen på, der staten gir oss fritak fra noen regler mot at vi prøver ut nye løsninger? Det er der jeg vil at vi skal være om ti år. Jeg vet at mange synes det er luftig.
Kommunedirektør Båtsfjord: [00:15:40] Det er luftig. Men det er også derfor vi har et forprosjekt på det. Jeg har sagt at vi skal ha et notat om hvilke forskrifter og lovparagrafer det gjelder før jeg tar det opp med kommunestyret. Det må gjøres ordentlig.
[00:16:00] Intervjuer: Til slutt: hvis dere skulle gi ett råd til kommunene i pulje 2, hva ville det vært?
Ordfører Nesseby: Bruk tid på å bli kjent før dere skriver noe.
Kommunedirektør Tana: [00:16:15] Ikkje vent på at nokon skal dekkje bordet for dykk. Gå sjølve til dei som har det de treng, og spør.
Kommunedirektør Båtsfjord: [00:16:25] Og les tilskuddsbrevet nøye. Det står ting der om rapportering som det er lurt å ha tenkt gjennom før man ansetter folk.
Ordfører Berlevåg: [00:16:40] Og gjør det til noe politikerne eier. Ellers blir det borte ved neste valg.
[00:16:50] Intervjuer: Takk, det var veldig nyttig. Jeg slår av opptakeren nå.
"""

DOCUMENTS = {
    "fg_prosjektledere_fase1.docx": FG_PROSJEKTLEDERE_FASE1,
    "fg_kommunal_ledelse_vestre_varanger_fase2.docx": FG_KOMMUNAL_LEDELSE_VESTRE_VARANGER_FASE2,
}


def write_docx(path: Path, transcript: str) -> None:
    """Write one transcript: first line as Title, every further non-empty line as a paragraph."""
    lines = [line.strip() for line in transcript.strip().splitlines() if line.strip()]
    document = Document()
    document.core_properties.title = lines[0]
    document.core_properties.author = "Følgeevalueringen (fiktivt demomateriale)"
    document.add_paragraph(lines[0], style="Title")
    for line in lines[1:]:
        paragraph = document.add_paragraph(line)
        for run in paragraph.runs:
            run.font.size = Pt(11)
    document.save(str(path))


def main() -> int:
    SAMPLE_DIR.mkdir(parents=True, exist_ok=True)
    for name, transcript in DOCUMENTS.items():
        target = SAMPLE_DIR / name
        write_docx(target, transcript)
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
