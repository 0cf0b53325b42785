#!/usr/bin/env python3
"""Deterministic generator of realistic news documents for Tidende's tests and benchmark.

    python3 deploy/gen-corpus.py --docs 100000 --seed 42 [--gzip] > corpus.ndjson
    python3 deploy/gen-corpus.py --docs 100000 --seed 42 --queries 500 > queries.ndjson

Writes one JSON object per line and nothing else to stdout; the same arguments give the same
bytes (Python 3.8+, standard library only). Document i depends only on (seed, i), so a smaller
--docs is a prefix of a larger one.

Text model: a vocabulary of real Danish and English words, inflected by rule (Danish nouns get
definite and plural forms, verbs present/past/participle, adjectives -e/-t; English -s/-ed/-ing)
plus derived compounds (`cyberambassadør`, `it-sikkerhed`, `datacenter`), ranked and sampled with
a Zipf distribution. Each document has a topic whose words are over-represented, so words
co-occur the way they do in news. A sprinkling of identifiers (CVE numbers, versions) makes a
long tail of rare terms.

--queries N prints a fixed mix of benchmark queries instead, drawn from documents of the same
corpus (the first few thousand, which every corpus of at least that size contains), so every
query matches something: {"kind": "rare|common|two_word|phrase|filtered|faceted", "q": ...,
"filter": ... or null, "facets": [...] or null}.
"""

import argparse
import bisect
import gzip
import itertools
import json
import random
import sys
import time

# --------------------------------------------------------------------------------------------
# Danish base words
# --------------------------------------------------------------------------------------------

# Function words, roughly in order of frequency: they take the top Zipf ranks.
DA_FUNCTION = """
og i at er det en til på de som med for af der ikke har den et vi han kan om så men skal var fra
sig eller også blev nu have efter over være hun jeg ved når kommer kun meget mere hvor alle andre
blive mod under mellem da dette disse hvis hvad ud op ind sin sit sine deres vores hans hendes man
selv både bare endnu allerede igen sammen derfor dog nemlig især fortsat samt uden siden inden hos
gennem blandt mens fordi selvom hvordan hvorfor hvilke hvilket hvem her nye første flere mange
ingen noget nogle anden andet hele helt godt lige omkring cirka procent mio mia kr ifølge både
måske aldrig altid ofte snart senere tidligere nemt svært
""".split()

# Irregular verbs, all forms given.
DA_IRREGULAR = """
gå går gik gået se ser så set få får fik fået give giver gav givet tage tager tog taget komme
kom kommet sige siger sagde sagt vide ved vidste vidst stå står stod stået finde finder fandt
fundet hjælpe hjælper hjalp hjulpet fortælle fortæller fortalte sælge sælger solgte solgt
følge følger fulgte fulgt spørge spørger spurgte spurgt stige stiger steg steget falde falder
faldt faldet betale betaler betalte betalt planlægge planlægger planlagde planlagt ansætte
ansætter ansatte ansat angribe angriber angreb angrebet skrive skriver skrev skrevet
model modellen modeller modellerne chip chippen chips app appen apps robot robotten robotter
robotterne satellit satellitten satellitter satellitterne dom dommen domme dommene minister
ministeren ministre ministrene løn lønnen lønninger team teamet teams budget budgettet budgetter
datacenter datacentret datacentre job jobbet politiet studerende sikker sikre sikkert usikker
usikre usikkert åben åbne åbent ondsindet ondsindede fælles moderne
""".split()

# Regular verbs whose past tense is -ede (udvikle → udviklede, udviklet).
DA_VERB_DE = """
udvikle lancere arbejde samarbejde investere integrere analysere implementere automatisere
digitalisere publicere præsentere rapportere diskutere etablere finansiere modernisere teste levere
installere opdatere kommunikere koordinere organisere annoncere registrere konkurrere beskytte
overvåge åbne lukke bygge drøfte fremme styrke sikre udpege bekræfte advare forbedre forhandle
handle uddanne anbefale eksekvere migrere kode programmere designe vurdere opdage hacke lække
kryptere samle forklare tro håbe ønske forvente vokse øge reducere spare koste svare kræve nå
prøve outsource regulere certificere rekruttere godkende inddæmme opretholde misbruge skalere
virtualisere optimere træne evaluere simulere visualisere stoppe hente ringe miste
""".split()

# Regular verbs whose past tense is -te (købe → købte, købt).
DA_VERB_TE = """
skabe afvise undersøge dele mene tjene købe bruge vise læse høre lære kende begynde ende kalde
tænke sende bestemme glemme møde røre tabe
""".split()

# Common-gender nouns, plural -er (ambassadør → ambassadøren, ambassadører, ambassadørerne).
DA_NOUN_C_ER = """
ambassadør sikkerhed virksomhed løsning udvikling strategi teknologi regering kampagne platform
tjeneste myndighed kommune region skole uddannelse konference rapport analyse undersøgelse aftale
sag udfordring mulighed forbindelse investering digitalisering automatisering algoritme
database applikation hjemmeside licens kontrakt udbyder pris krise fremtid nyhed kilde
ekspert chef direktør stilling ansøgning karriere branche industri sektor debat
beslutning forhandling ordning indsats kapacitet telefon processor sensor drone
adgangskode sårbarhed opdatering version funktion grænseflade integration afdeling
organisation institution styrelse koalition opposition lovgivning forordning
bøde klage domstol retssag efterforskning anklage hændelse nedlukning afbrydelse
omlægning opgradering migrering intelligens konsulent arkitekt ingeniør
specialist praktikant investor aktie vækst omsætning indtægt udgift
bevilling pulje måned kunde leverandør
""".split()

# Common-gender nouns, plural -e (medarbejder → medarbejderen, medarbejdere, medarbejderne).
DA_NOUN_C_E = """
medarbejder udvikler bruger leder forsker politiker hacker partner computer dag borger
tekniker ordfører server skærm lov krig fond
""".split()

# Neuter nouns, plural -er (system → systemet, systemer, systemerne).
DA_NOUN_N_ER = """
system projekt program produkt marked selskab problem område initiativ felt kontor firma
resultat dokument format værktøj sted element niveau samarbejde scenarie kvartal møde
""".split()

# Neuter nouns, no plural ending (netværk → netværket, netværk, netværkene).
DA_NOUN_N_0 = """
netværk angreb forsvar spørgsmål forslag samfund indhold år svar tal kort ord forbud
udbud krav mål tiltag valg salg køb opkøb fald forløb
""".split()

# Neuter nouns, plural -e (land → landet, lande, landene).
DA_NOUN_N_E = "land hus brev".split()

DA_ADJECTIVES = """
ny stor lille god dårlig digital global dansk europæisk amerikansk kinesisk russisk nordisk
offentlig privat national international teknologisk demokratisk ansvarlig tryg
kritisk alvorlig vigtig central lokal fri hurtig billig dyr
stærk svag kompleks effektiv populær kendt ukendt ledig relevant
økonomisk politisk juridisk teknisk strategisk kunstig automatisk
""".split()

# Compound heads and modifiers: modifier + noun gives `cyberangreb`, `it-sikkerhed`.
DA_COMPOUND_PREFIXES = """
cyber tech it- data sikkerheds netværks software cloud ai- eu- energi forsknings uddannelses
virksomheds medarbejder kunde bruger system markeds teknologi digitaliserings informations
udviklings stats kommune regions sundheds forsvars efterretnings telekom mobil bredbånds
""".split()

# --------------------------------------------------------------------------------------------
# English base words
# --------------------------------------------------------------------------------------------

EN_FUNCTION = """
the of and to a in is that for on it with as was by at be this are from or has have an not
they which but its their more will been were can also had about than after new one two who
said says would could should may into over when there all other some up out only most what
we our us he she his her them if so no just like how many first last such these those
while during between against under without through per percent million billion because
""".split()

EN_IRREGULAR = """
make makes made making take takes took taken taking give gives gave given giving see sees saw
seen seeing get gets got getting go goes went gone going come comes came coming know knows
knew known find finds found tell tells told build builds built building sell sells sold
buy buys bought lead leads led leading pay pays paid run runs ran running write writes wrote
written hold holds held grow grows grew grown growing cost costs costing mean means meant
meaning read reads reading hear hears heard hearing send sends sent sending think thinks thought
thinking meet meets met stop stops stopped stopping plan plans planned planning ban bans banned
analyses crises spokespeople police people
""".split()

EN_VERBS = """
develop launch work invest integrate analyse implement automate digitise publish present report
discuss establish fund modernise test deliver install update communicate coordinate organise
announce register compete protect monitor open close strengthen secure appoint confirm warn
improve negotiate train recommend execute migrate code design assess detect hack leak encrypt
share explain believe hope expect increase reduce save answer require reach try
regulate certify recruit approve maintain abuse scale optimise evaluate simulate visualise
create reject investigate serve use show learn start end call
decide fetch miss partner expand acquire release patch deploy
""".split()

EN_NOUNS = """
ambassador security company solution development strategy technology government campaign
platform service authority council region school education conference report survey
agreement case challenge opportunity connection investment model algorithm server database
application app website licence contract provider price future source expert
chief director minister position salary career industry sector debate decision negotiation
capacity phone screen chip processor sensor robot drone satellite password vulnerability
update version feature interface integration department organisation institution agency
chair coalition regulation fine court lawsuit ruling
investigation charge incident shutdown outage upgrade migration intelligence consultant
architect engineer specialist student intern investor share quarter growth revenue income
expense grant fund employee developer user leader researcher politician hacker partner
computer day month supplier customer citizen system project program product market problem
area initiative team office budget result principle document format interview tool network
attack defence question proposal society content year job answer number card word ban tender
requirement goal measure election sale purchase acquisition country house letter meeting
economy policy statement startup breach chatbot
semiconductor license standard framework pipeline workload cluster backup
""".split()

# English words without a plural of their own.
EN_UNCOUNTABLE = """
news data cloud infrastructure energy criticism democracy freedom prosperity order influence
ransomware malware phishing encryption legislation intelligence software hardware security
growth revenue income analysis crisis
""".split()

EN_ADJECTIVES = """
new big small good bad digital global danish european american chinese russian nordic public
private national international technological democratic responsible safe secure insecure
critical serious important central local common modern open closed free fast slow cheap
expensive strong weak malicious complex simple effective popular known unknown vacant
flexible relevant economic political legal technical strategic operational artificial
automatic manual major key senior former
""".split()

EN_COMPOUNDS = """
cybersecurity cyberattack cyberattacks cybercrime cyberwarfare cyberspace datacentre
datacentres software hardware firmware smartphone smartphones broadband workforce
startup startups e-commerce e-government open-source machine-learning real-time end-to-end
data-driven cloud-based ai-powered zero-day state-sponsored high-speed
""".split()

# --------------------------------------------------------------------------------------------
# Proper names, shared
# --------------------------------------------------------------------------------------------

PROPER_DA = """
Danmark Australien Rusland Ukraine Sverige Norge Finland Tyskland Frankrig Kina USA EU NATO FN
København Aarhus Odense Aalborg Esbjerg Bruxelles Berlin London Stockholm Oslo Helsinki
Microsoft Google Apple Amazon Meta OpenAI Nvidia Intel IBM Netcompany Systematic KMD Netic
Folketinget Digitaliseringsstyrelsen Rigspolitiet Erhvervsstyrelsen Datatilsynet
Udenrigsministeriet Forsvarsministeriet Center for Cybersikkerhed Silicon Valley
""".split()

PROPER_EN = """
Denmark Australia Russia Ukraine Sweden Norway Finland Germany France China US EU NATO UN
Copenhagen Sydney Melbourne Canberra Brussels Berlin London Washington Seattle Dublin Toronto
Microsoft Google Apple Amazon Meta OpenAI Nvidia Intel IBM Cisco Oracle Salesforce SAP
Congress Parliament Europol Interpol Pentagon Whitehall Silicon Valley GCHQ NCSC CISA
""".split()

FIRST_NAMES = """
Anders Mette Lars Jeppe Sofie Mads Camilla Rasmus Louise Henrik Anne Peter Maria Søren Julie
Thomas Line Martin Ida Jens Karen Morten Emma Christian Sara Jakob Laura Nikolaj Freja Oliver
Olivia James Emily Michael Sarah David Jessica Daniel Hannah Andrew Rachel Liam Chloe Noah
""".split()

LAST_NAMES = """
Jensen Nielsen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen Petersen
Madsen Kristensen Olsen Thomsen Poulsen Johansen Møller Mortensen Kofod Frederiksen Holm
Smith Johnson Williams Brown Jones Miller Davis Wilson Taylor Clarke Walker Wright Thompson
""".split()

# Topics: (tag in Danish, tag in English, Danish words, English words). A document's topic
# words are over-represented in its text, and its tags start with the topic's tag.
TOPICS = [
    ("sikkerhed", "security", "cyberangreb sikkerhed hacker sårbarhed ransomware phishing kryptering "
     "adgangskode it-sikkerhed cybersikkerhed trussel angreb forsvar hændelse",
     "cyberattack security hacker vulnerability ransomware phishing encryption password breach "
     "malware attack defence incident zero-day"),
    ("ai", "ai", "kunstig intelligens algoritme model chatbot data træning sprogmodel automatisering "
     "robot", "artificial intelligence algorithm model chatbot data training machine-learning "
     "automation robot"),
    ("cloud", "cloud", "cloud datacenter server platform migrering skalering drift hosting "
     "leverandør", "cloud datacentre server platform migration scaling workload cluster provider"),
    ("offentlig-it", "public-sector", "kommune region styrelse borger digitalisering udbud "
     "selvbetjening myndighed minister", "council agency citizen digitisation tender government "
     "authority minister e-government"),
    ("karriere", "careers", "stilling ansøgning løn medarbejder udvikler konsulent arkitekt "
     "rekruttering karriere job", "position salary employee developer consultant architect "
     "recruit career job hiring"),
    ("startups", "startups", "startup investering investor kapital vækst iværksætter fond "
     "opkøb", "startup investment investor capital growth founder fund acquisition"),
    ("telekom", "telecom", "netværk bredbånd mobil 5G fiber operatør dækning frekvens "
     "nedlukning", "network broadband mobile 5G fibre operator coverage spectrum outage"),
    ("politik", "policy", "lovgivning forordning regulering folketinget eu-kommissionen "
     "demokrati desinformation valg", "legislation regulation policy parliament commission "
     "democracy disinformation election"),
    ("hardware", "hardware", "chip processor computer skærm sensor semiconductor produktion "
     "fabrik", "chip processor computer screen sensor semiconductor production factory"),
    ("udvikling", "development", "udvikler kode software open-source programmering test "
     "version opdatering", "developer code software open-source programming test release patch"),
    ("økonomi", "business", "omsætning regnskab aktie kvartal overskud underskud marked pris "
     "kunde", "revenue earnings share quarter profit loss market price customer"),
    ("forsvar", "defence", "forsvar nato efterretning spionage krig ukraine rusland "
     "cyberforsvar", "defence nato intelligence espionage war ukraine russia cyberdefence"),
]

DOC_TYPES = [("article", 60), ("brief", 15), ("event", 10), ("job", 10), ("people", 5)]
SOURCES = ["it-news", "tidende-tech", "nordic-wire", "cyberdagbladet", "datanyt", "tech-review",
           "the-ledger", "bytes-daily"]
COUNTRIES_DA = [("DK", 80), ("SE", 8), ("NO", 8), ("FI", 2), ("DE", 2)]
COUNTRIES_EN = [("US", 40), ("GB", 25), ("AU", 15), ("IE", 6), ("CA", 8), ("NZ", 3), ("DK", 3)]
CITIES_DA = ["København", "Aarhus", "Odense", "Aalborg", "Esbjerg", "Kolding", "Vejle", "online"]
CITIES_EN = ["London", "Sydney", "Melbourne", "New York", "Seattle", "Dublin", "Toronto", "online"]
EPOCH_2019 = 1546300800  # 2019-01-01T00:00:00Z
EPOCH_2027 = 1798761600  # 2027-01-01T00:00:00Z


# --------------------------------------------------------------------------------------------
# Inflection
# --------------------------------------------------------------------------------------------

def da_noun_forms(word, cls):
    """Indefinite, definite, plural and definite plural of a Danish noun."""
    if cls == "c_er":
        if word.endswith("e"):
            return [word, word + "n", word + "r", word + "rne"]
        return [word, word + "en", word + "er", word + "erne"]
    if cls == "c_e":
        if word.endswith("er"):
            return [word, word + "en", word + "e", word + "ne"]
        return [word, word + "en", word + "e", word + "ene"]
    if cls == "n_er":
        if word.endswith("e"):
            return [word, word + "t", word + "r", word + "rne"]
        return [word, word + "et", word + "er", word + "erne"]
    if cls == "n_0":
        return [word, word + "et", word + "ene"]
    return [word, word + "et", word + "e", word + "ene"]  # n_e


def da_verb_forms(word, te):
    if not word.endswith("e"):
        return [word, word + "r", word + "ede", word + "et"]
    stem = word[:-1]
    if te:
        return [word, word + "r", stem + "te", stem + "t"]
    return [word, word + "r", word + "de", stem + "et"]


def da_adjective_forms(word):
    if word.endswith("e"):
        return [word]
    if word.endswith("sk"):
        return [word, word + "e"]
    if word.endswith("t"):
        return [word, word + "e"]
    if word == "ny":
        return ["ny", "nye", "nyt"]
    return [word, word + "e", word + "t"]


def en_plural(word):
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def en_verb_forms(word):
    if word.endswith("ee"):
        ed, ing = word + "d", word + "ing"
    elif word.endswith("e"):
        ed, ing = word + "d", word[:-1] + "ing"
    elif word.endswith("y") and word[-2:-1] not in "aeiou":
        ed, ing = word[:-1] + "ied", word + "ing"
    else:
        ed, ing = word + "ed", word + "ing"
    return [word, en_plural(word), ed, ing]


def unique(words):
    seen, out = set(), []
    for w in words:
        if w not in seen:
            seen.add(w)
            out.append(w)
    return out


# --------------------------------------------------------------------------------------------
# Vocabulary with Zipf ranks
# --------------------------------------------------------------------------------------------

TABLE_SIZE = 1 << 20
TAIL_DAMPING = 0.25


class Vocabulary:
    """Words of one language in Zipf rank order, with cumulative weights for sampling."""

    def __init__(self, function_words, content_words, tail_words, rng, exponent):
        content = unique(w for w in content_words if w not in set(function_words))
        rng.shuffle(content)
        tail = unique(w for w in tail_words if w not in set(content) and w not in set(function_words))
        rng.shuffle(tail)
        self.words = unique(function_words) + content + tail
        self.function = set(function_words)
        # The tail (derived compounds) is damped: it should be rare, not a fifth of the text.
        head = len(self.words) - len(tail)
        weights = [(1.0 if rank < head else TAIL_DAMPING) / (rank + 2.7) ** exponent
                   for rank in range(len(self.words))]
        self.rank = {w: i for i, w in enumerate(self.words)}
        # A quantile table: sampling is one index per word instead of a bisect (3x faster).
        # Each word gets a share of TABLE_SIZE slots proportional to its weight (at least one,
        # so every word of the vocabulary can occur).
        total = sum(weights)
        self.table = []
        for word, weight in zip(self.words, weights):
            self.table.extend([word] * max(1, round(weight / total * TABLE_SIZE)))

    def sample(self, rng, k):
        return rng.choices(self.table, k=k)


def build_danish(rng):
    content = []
    nouns = []
    for cls, words in (("c_er", DA_NOUN_C_ER), ("c_e", DA_NOUN_C_E), ("n_er", DA_NOUN_N_ER),
                       ("n_0", DA_NOUN_N_0), ("n_e", DA_NOUN_N_E)):
        for w in words:
            nouns.append((w, cls))
            content.extend(da_noun_forms(w, cls))
    for w in DA_VERB_DE:
        content.extend(da_verb_forms(w, te=False))
    for w in DA_VERB_TE:
        content.extend(da_verb_forms(w, te=True))
    content.extend(DA_IRREGULAR)
    for w in DA_ADJECTIVES:
        content.extend(da_adjective_forms(w))
    content.extend(PROPER_DA)
    for topic in TOPICS:
        content.extend(topic[2].split())
    # Compounds make the long tail: every modifier with a deterministic third of the nouns.
    tail = []
    for prefix in DA_COMPOUND_PREFIXES:
        for noun, cls in nouns:
            if rng.random() < 0.34 and not noun.startswith(prefix.rstrip("-")):
                tail.extend(da_noun_forms(prefix + noun, cls))
    return Vocabulary(DA_FUNCTION, content, tail, rng, exponent=1.0)


def build_english(rng):
    content = []
    for w in EN_NOUNS:
        content.extend([w, en_plural(w)])
    content.extend(EN_UNCOUNTABLE)
    for w in EN_VERBS:
        content.extend(en_verb_forms(w))
    content.extend(EN_IRREGULAR)
    content.extend(EN_ADJECTIVES)
    content.extend(w + "ly" for w in EN_ADJECTIVES if w.endswith("al"))
    content.extend(EN_COMPOUNDS)
    content.extend(PROPER_EN)
    for topic in TOPICS:
        content.extend(topic[3].split())
    tail = []
    for prefix in ("cyber", "data", "cloud", "ai-", "micro", "multi"):
        for noun in EN_NOUNS:
            if rng.random() < 0.25:
                tail.extend([prefix + noun, en_plural(prefix + noun)])
    return Vocabulary(EN_FUNCTION, content, tail, rng, exponent=1.0)


# --------------------------------------------------------------------------------------------
# Documents
# --------------------------------------------------------------------------------------------

def weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for value, w in pairs:
        x -= w
        if x < 0:
            return value
    return pairs[-1][0]


class Generator:
    def __init__(self, seed, danish_share):
        self.seed = seed
        self.danish_share = danish_share
        vocab_rng = random.Random(seed)
        self.vocab = {"da": build_danish(vocab_rng), "en": build_english(vocab_rng)}
        self.topic_words = {
            "da": [t[2].split() for t in TOPICS],
            "en": [t[3].split() for t in TOPICS],
        }

    def words(self, rng, lang, topic, k):
        """k words: Zipf over the vocabulary, with about one in eight from the topic."""
        words = self.vocab[lang].sample(rng, k)
        topical = self.topic_words[lang][topic]
        for _ in range(k // 8):
            words[int(rng.random() * k)] = topical[int(rng.random() * len(topical))]
        # Identifiers and numbers: the rare tail of real news.
        if rng.random() < 0.02 * (k / 40):
            words[int(rng.random() * k)] = rng.choice((
                "CVE-%d-%d" % (rng.randint(2019, 2026), rng.randint(1000, 49999)),
                "v%d.%d.%d" % (rng.randint(1, 20), rng.randint(0, 30), rng.randint(0, 99)),
                str(rng.randint(2, 2000)),
                "%d.%03d" % (rng.randint(1, 99), rng.randint(0, 999)),
            ))
        return words

    @staticmethod
    def sentences(rng, words, lang):
        """Joins words into sentences with capitals, commas, quotes and full stops."""
        out = []
        i, n = 0, len(words)
        while i < n:
            length = min(n - i, rng.randint(6, 22))
            if n - (i + length) < 4:
                length = n - i
            chunk = words[i:i + length]
            i += length
            r = rng.random()
            quote = r < 0.06 and length >= 9
            if quote:
                # The attribution takes the place of three words, so lengths stay as drawn.
                chunk = chunk[:-3]
            for _ in range(len(chunk) // 9):
                j = int(rng.random() * (len(chunk) - 1))
                chunk[j] = chunk[j] + ","
            s = " ".join(chunk)
            s = s[0].upper() + s[1:]
            if quote:
                s = '"' + s + '," ' + ("siger" if lang == "da" else "says") + " " + \
                    rng.choice(FIRST_NAMES) + " " + rng.choice(LAST_NAMES) + "."
            elif r < 0.09:
                s += "?"
            else:
                s += "."
            out.append(s)
        return out

    def body_length(self, rng, doc_type):
        if doc_type == "brief":
            return rng.randint(50, 150)
        if doc_type == "people":
            return rng.randint(50, 250)
        if doc_type in ("event", "job"):
            return rng.randint(80, 400)
        # Articles: skewed towards the shorter end, up to 800 words.
        return min(800, 110 + int(rng.expovariate(1 / 210.0)))

    def document(self, i):
        rng = random.Random(self.seed * 1_000_003 + i)
        lang = "da" if rng.random() < self.danish_share else "en"
        doc_type = weighted(rng, DOC_TYPES)
        topic = int(rng.random() * len(TOPICS))
        n_title = rng.randint(6, 14)
        n_lead = rng.randint(20, 40)
        n_body = self.body_length(rng, doc_type)
        words = self.words(rng, lang, topic, n_title + n_lead + n_body)

        title = " ".join(words[:n_title])
        title = title[0].upper() + title[1:]
        lead = " ".join(self.sentences(rng, words[n_title:n_title + n_lead], lang))
        body_sentences = self.sentences(rng, words[n_title + n_lead:], lang)
        paragraphs = []
        k = 0
        while k < len(body_sentences):
            step = rng.randint(2, 5)
            paragraphs.append(" ".join(body_sentences[k:k + step]))
            k += step
        body = "\n\n".join(paragraphs)

        topic_tag = TOPICS[topic][0 if lang == "da" else 1]
        tags = [topic_tag]
        for _ in range(rng.randint(0, 4)):
            other = TOPICS[int(rng.random() * len(TOPICS))][0 if lang == "da" else 1]
            if other not in tags:
                tags.append(other)
        # Later years carry more news than earlier ones.
        span = EPOCH_2027 - EPOCH_2019
        published = EPOCH_2019 + int(span * (rng.random() ** 0.8))
        doc = {
            "id": "doc-%06d" % (i + 1),
            "type": doc_type,
            "lang": lang,
            "title": title,
            "lead": lead,
            "body": body,
            "tags": tags,
            "published_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(published)),
            "source": SOURCES[int(rng.random() ** 1.6 * len(SOURCES))],
            "country": weighted(rng, COUNTRIES_DA if lang == "da" else COUNTRIES_EN),
        }
        if rng.random() < 0.6:
            doc["author"] = rng.choice(FIRST_NAMES) + " " + rng.choice(LAST_NAMES)
        if doc_type in ("event", "job"):
            doc["location"] = rng.choice(CITIES_DA if lang == "da" else CITIES_EN)
        if doc_type == "event":
            doc["starts_at"] = time.strftime("%Y-%m-%dT%H:00:00Z",
                                             time.gmtime(published + rng.randint(7, 120) * 86400))
        if doc_type == "job":
            doc["company"] = rng.choice(["Netcompany", "Systematic", "KMD", "Capgemini", "Accenture",
                                         "Microsoft", "Novo Nordisk", "Danske Bank", "Atea", "Netic"])
        return doc


def write_corpus(gen, docs, out):
    buf = []
    for i in range(docs):
        buf.append(json.dumps(gen.document(i), ensure_ascii=False, separators=(",", ":")))
        if len(buf) == 1000:
            out.write(("\n".join(buf) + "\n").encode("utf-8"))
            buf = []
    if buf:
        out.write(("\n".join(buf) + "\n").encode("utf-8"))


# --------------------------------------------------------------------------------------------
# Benchmark queries
# --------------------------------------------------------------------------------------------

QUERY_MIX = [("rare", 20), ("common", 15), ("two_word", 25), ("phrase", 15), ("filtered", 15),
             ("faceted", 10)]


def tokens(text):
    """Words of a text as the generator wrote them, without the punctuation it added."""
    return [w.strip('.,?!"') for w in text.split()]


def write_queries(gen, docs, count, out):
    sample_size = min(docs, 3000)
    sample = [gen.document(i) for i in range(sample_size)]
    df = {}
    for doc in sample:
        for w in set(tokens(doc["title"] + " " + doc["lead"] + " " + doc["body"])):
            df[w] = df.get(w, 0) + 1

    def content(w, lang):
        return w.isalpha() and w.lower() not in gen.vocab[lang].function and len(w) > 2

    by_lang = {"da": [], "en": []}
    for w, n in df.items():
        for lang in ("da", "en"):
            if w in gen.vocab[lang].rank and content(w, lang):
                by_lang[lang].append((n, w))
    for lang in by_lang:
        by_lang[lang].sort(key=lambda p: (-p[0], p[1]))
    # Rare: in at most 0.1% of the sample (a few per thousand documents in the full corpus).
    rare = sorted(w for n, w in itertools.chain(*by_lang.values()) if n <= max(1, sample_size // 1000))
    common = [w for lang in ("da", "en") for _, w in by_lang[lang][:40]]

    rng = random.Random(gen.seed * 7919 + 1)
    lines = []
    for _ in range(count):
        kind = weighted(rng, QUERY_MIX)
        q, flt, facets = "", None, None
        if kind == "rare":
            q = rng.choice(rare)
        elif kind == "common":
            q = rng.choice(common)
        elif kind == "two_word":
            doc = rng.choice(sample)
            words = sorted(w for w in set(tokens(doc["body"])) if content(w, doc["lang"]))
            q = " ".join(rng.sample(words, 2)) if len(words) >= 2 else rng.choice(common)
        elif kind == "phrase":
            doc = rng.choice(sample)
            # Consecutive words inside one sentence, with no punctuation between them.
            parts = doc["body"].split()
            for _attempt in range(20):
                n = rng.randint(2, 3)
                j = rng.randint(0, max(0, len(parts) - n))
                window = parts[j:j + n]
                window[-1] = window[-1].rstrip('.,?!"')
                window[0] = window[0].lstrip('"')
                if all(p.replace("-", "").isalpha() for p in window) and \
                        any(content(p.lower(), doc["lang"]) for p in window):
                    q = '"' + " ".join(window).lower() + '"'
                    break
            if not q:
                q = rng.choice(common)
        elif kind == "filtered":
            q = rng.choice(common)
            year = rng.randint(2020, 2026)
            flt = rng.choice([
                "type = article AND published_at >= %d-01-01" % year,
                "lang = da AND country IN [DK, SE, NO]",
                "type IN [job, event] AND published_at < %d-07-01" % year,
                "source = %s OR author EXISTS" % rng.choice(SOURCES),
                "country = %s AND NOT type = brief" % rng.choice(["DK", "US", "GB"]),
            ])
        else:  # faceted
            q = rng.choice(common + [""])
            facets = rng.choice([["type", "country"], ["lang", "type", "source"], ["tags"]])
        lines.append(json.dumps({"kind": kind, "q": q, "filter": flt, "facets": facets},
                                ensure_ascii=False, separators=(",", ":")))
    out.write(("\n".join(lines) + "\n").encode("utf-8"))


def main():
    p = argparse.ArgumentParser(description="Deterministic news corpus for Tidende (NDJSON on stdout).")
    p.add_argument("--docs", type=int, default=1000, help="number of documents (default 1000)")
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    p.add_argument("--gzip", action="store_true", help="gzip the output (reproducible: no name, mtime 0)")
    p.add_argument("--danish", type=float, default=0.7, help="share of Danish documents (default 0.7)")
    p.add_argument("--queries", type=int, metavar="N",
                   help="print N benchmark queries for this corpus instead of documents")
    args = p.parse_args()
    if args.docs < 1:
        p.error("--docs must be at least 1")
    if not 0.0 <= args.danish <= 1.0:
        p.error("--danish must be between 0 and 1")

    gen = Generator(args.seed, args.danish)
    raw = sys.stdout.buffer
    out = gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0) if args.gzip else raw
    try:
        if args.queries is not None:
            write_queries(gen, args.docs, args.queries, out)
        else:
            write_corpus(gen, args.docs, out)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(0)
    finally:
        if args.gzip:
            out.close()
    raw.flush()


if __name__ == "__main__":
    main()
