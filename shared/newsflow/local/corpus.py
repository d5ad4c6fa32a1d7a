"""Generate newsflow's seed corpus: varied, fictional, redistributable news articles as JSON Lines.

Every line is one article in the ingest API's contract (id, source, url, title, body, published_at,
updated_at, revision, authors, section, language, tags). Articles are composed from story templates
written for this project and filled with fictional people and organisations (real countries and
cities only as settings). The output is deterministic: the same ``--count`` and ``--seed`` give the
same bytes.

What a corpus holds (for ``--count N`` lines):

* English stories in twelve sections (three story templates each) from four English sources, and
  about one article in eight in German, French, Spanish, Italian or Dutch;
* updates: about one id in twelve has two or three revisions (separate lines, later ``updated_at``);
* near-duplicate wire copies: a Metro Wire story republished by another source with tiny edits;
* a few bodies in light HTML (``<p>``, ``<strong>``, ``<a>``, entities) to exercise the sanitiser.

Usage::

    python -m newsflow.local.corpus                      # seeds/corpus.jsonl, committed size
    python -m newsflow.local.corpus --count 20000 --out /tmp/bench.jsonl
"""

# ruff: noqa: E501  (the story templates are prose: one paragraph a line reads better than wrapped strings)

from __future__ import annotations

import argparse
import hashlib
import html
import json
import random
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

DEFAULT_COUNT = 250
DEFAULT_SEED = 20250203
DEFAULT_OUT = Path("seeds") / "corpus.jsonl"  # relative to the checkout the command runs in
START = datetime(2025, 2, 3, 6, 0, tzinfo=UTC)
MIN_WORDS = 280  # leaves room for a wire copy's edits; the floor of the corpus is 250
MAX_WORDS = 700  # leaves room for the paragraphs that revisions add; the ceiling is 900
FOREIGN_EVERY = 8  # one base article in eight is not in English
SIBLING_MIN_DISTANCE = 8  # two articles from one template must differ in more SimHash bits than this
WIRE_MAX_DISTANCE = 2  # a wire copy stays this close to its original
SIBLING_CHECK_MAX_COUNT = 5000  # the sibling check costs ~5 ms an article; skipped for big benchmark corpora

# --------------------------------------------------------------------------------------------------
# Data model
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """A fictional publisher."""

    slug: str
    name: str  # as it reads in running text: "the Harbor Times"
    language: str
    utc_offset_h: int
    authors: tuple[str, ...]


@dataclass(frozen=True)
class Person:
    first: str
    last: str
    female: bool

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def surname(self) -> str:
        # Dutch: "Sanne de Vries", but "De Vries" on its own.
        return self.last[:1].upper() + self.last[1:]


@dataclass(frozen=True)
class Story:
    """One story template: headlines, leads, body paragraphs and quotes with slots.

    Slots: ``{p1}``..``{p3}`` people (full name at the first mention, surname afterwards),
    ``{p1f}``/``{p1s}`` explicit full name / surname, ``{p1r}`` role; ``{o1}``..``{o3}``
    organisations (full name first, short name afterwards), ``{o1f}``/``{o1s}``; places and figures
    (see :func:`_context`). ``[[a|b|c]]`` picks one alternative.
    """

    key: str
    section: str
    language: str
    headlines: tuple[str, ...]
    leads: tuple[str, ...]
    paragraphs: tuple[str, ...]
    quotes: tuple[tuple[str, str], ...]  # (speaker slot, words)
    tags: tuple[str, ...]
    roles: dict[str, str | tuple[str, str]] = field(default_factory=dict)  # slot -> role | (m, f)
    orgs: dict[str, str] = field(default_factory=dict)  # slot -> organisation kind


@dataclass
class Draft:
    """An article before rendering: its pieces still carry person/organisation markers."""

    index: int
    story: Story
    source: Source
    ctx: dict[str, str]
    names: dict[str, tuple[str, str]]  # marker key -> (first mention, later mentions)
    title: str
    alt_title: str
    pieces: list[str]
    spare: list[str]
    published: datetime
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    html: bool = False


@dataclass(frozen=True)
class Article:
    id: str
    source: str
    url: str
    title: str
    body: str
    published_at: str
    updated_at: str
    revision: int
    authors: tuple[str, ...]
    section: str
    language: str
    tags: tuple[str, ...]
    sort_key: datetime

    def to_json(self) -> str:
        record = {
            "id": self.id,
            "source": self.source,
            "url": self.url,
            "title": self.title,
            "body": self.body,
            "published_at": self.published_at,
            "updated_at": self.updated_at,
            "revision": self.revision,
            "authors": list(self.authors),
            "section": self.section,
            "language": self.language,
            "tags": list(self.tags),
        }
        return json.dumps(record, ensure_ascii=False)


# --------------------------------------------------------------------------------------------------
# Sources, people, places, organisations (all fictional except the places)
# --------------------------------------------------------------------------------------------------

SOURCES: dict[str, Source] = {
    s.slug: s
    for s in (
        Source("harbor-times", "the Harbor Times", "en", 0,
               ("Helen Marsh", "Tomasz Wierzbicki", "Aisha Rahman", "Callum Reid")),
        Source("metro-wire", "Metro Wire", "en", 0, ("Metro Wire staff", "Priya Nandakumar", "Jonah Whitfield")),
        Source("the-daily-ledger", "the Daily Ledger", "en", -5,
               ("Rosa Delgado-Hart", "Samuel Achterberg", "Nadia Brennan")),
        Source("northern-courier", "the Northern Courier", "en", 10,
               ("Fergus Lindqvist", "Mei-Lin Carver", "Owen Tapsell")),
        Source("tageskurier", "der Tageskurier", "de", 1, ("Katrin Oberholz", "Jonas Brettschneider", "Miriam Falkenau")),
        Source("le-quotidien", "Le Quotidien", "fr", 1, ("Camille Ferrand", "Julien Morvan", "Inès Bellamy")),
        Source("el-diario-central", "El Diario Central", "es", 1,
               ("Lucía Ferrándiz", "Andrés Valcárcel", "Marta Quiroga")),
        Source("la-gazzetta-civica", "la Gazzetta Civica", "it", 1,
               ("Chiara Lombardini", "Davide Ferrucci", "Elena Sartorello")),
        Source("de-dagkrant", "De Dagkrant", "nl", 1, ("Sanne Verhoeven", "Bram Oosterhuis", "Lotte de Wilde")),
    )
}  # fmt: skip
EN_SOURCES = ("harbor-times", "metro-wire", "the-daily-ledger", "northern-courier")
FOREIGN_LANGUAGES = ("de", "fr", "es", "it", "nl")
SOURCE_BY_LANGUAGE = {"de": "tageskurier", "fr": "le-quotidien", "es": "el-diario-central",
                      "it": "la-gazzetta-civica", "nl": "de-dagkrant"}  # fmt: skip

FIRST_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # language -> (male, female)
    "en": (
        ("Daniel", "Tomas", "Kwame", "Liam", "Hiroshi", "Ethan", "Rafael", "Samuel", "Oliver", "Lucas",
         "Mateo", "Connor", "Ravi", "Tobias", "Felix", "Idris", "Marcus", "Declan"),
        ("Maria", "Aisha", "Grace", "Priya", "Sofia", "Fatima", "Chloe", "Ingrid", "Nadia", "Amara",
         "Hannah", "Zara", "Leila", "Eleanor", "Yasmin", "Rosalind", "Keiko", "Bronwen"),
    ),
    "de": (("Thomas", "Stefan", "Jan", "Markus", "Lukas", "Andreas", "Felix", "Jörg"),
           ("Anna", "Katharina", "Julia", "Sabine", "Lena", "Petra", "Miriam", "Ute")),
    "fr": (("Julien", "Mathieu", "Olivier", "Antoine", "Nicolas", "Thierry", "Yannick"),
           ("Claire", "Sophie", "Élodie", "Nathalie", "Juliette", "Margaux", "Hélène")),
    "es": (("Javier", "Andrés", "Miguel", "Pablo", "Sergio", "Raúl", "Íñigo"),
           ("Lucía", "Carmen", "Elena", "Marta", "Isabel", "Paula", "Begoña")),
    "it": (("Marco", "Luca", "Alessandro", "Davide", "Matteo", "Stefano", "Riccardo"),
           ("Giulia", "Francesca", "Chiara", "Martina", "Silvia", "Valentina", "Ilaria")),
    "nl": (("Daan", "Joost", "Pieter", "Bram", "Ruben", "Thijs", "Maarten"),
           ("Sanne", "Anouk", "Femke", "Lotte", "Marieke", "Ilse", "Fleur")),
}  # fmt: skip
SURNAMES: dict[str, tuple[str, ...]] = {
    "en": ("Okafor", "Lindqvist", "Brennan", "Castellano", "Whitmore", "Haldane", "Nakamura", "Ferreira",
           "Mensah", "Kowalczyk", "Thornbury", "Varga", "Abernathy", "Quinlan", "Marchetti", "Osei",
           "Pemberton", "Sandoval", "Takahashi", "Holloway", "Adeyemi", "Fairbanks", "Kerrigan", "Moreau",
           "Iversen", "Blackwood", "Chaudhry", "Dunmore", "Ellison", "Galloway", "Ashworth", "Nwosu",
           "Petrakis", "Rahimi", "Sorensen", "Tremayne", "Valdivia", "Yardley", "Zielinski", "Hargreaves"),
    "de": ("Keller", "Brandt", "Vogler", "Lindemann", "Reuter", "Baumgart", "Seidel", "Kranz", "Wendland",
           "Hartung", "Eckstein", "Pfeiffer", "Dreher", "Kolbe"),
    "fr": ("Morel", "Lefebvre", "Garnier", "Rousseau", "Chevalier", "Perrin", "Fabre", "Lemaire", "Giraud",
           "Marchand", "Delorme", "Vasseur"),
    "es": ("Navarro", "Ortega", "Delgado", "Herrera", "Romero", "Cabrera", "Vidal", "Iglesias", "Molina",
           "Santos", "Arrieta", "Campillo"),
    "it": ("Ferri", "Marchetti", "Conti", "Galli", "Barbieri", "Moretti", "Fontana", "Rinaldi", "Caruso",
           "Villa", "Sartori", "Bellandi"),
    "nl": ("de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "van Dijk",
           "Bos", "Hendriks", "van der Linden"),
}  # fmt: skip
CITIES: dict[str, tuple[tuple[str, str], ...]] = {  # language -> (city, country)
    "en": (("Manchester", "Britain"), ("Leeds", "Britain"), ("Glasgow", "Scotland"), ("Cardiff", "Wales"),
           ("Dublin", "Ireland"), ("Cork", "Ireland"), ("Toronto", "Canada"), ("Vancouver", "Canada"),
           ("Halifax", "Canada"), ("Denver", "the United States"), ("Portland", "the United States"),
           ("Pittsburgh", "the United States"), ("Austin", "the United States"), ("Melbourne", "Australia"),
           ("Brisbane", "Australia"), ("Perth", "Australia"), ("Auckland", "New Zealand"),
           ("Wellington", "New Zealand"), ("Cape Town", "South Africa"), ("Nairobi", "Kenya"),
           ("Accra", "Ghana"), ("Lagos", "Nigeria"), ("Mumbai", "India"), ("Singapore", "Singapore")),
    "de": (("Leipzig", "Deutschland"), ("Hannover", "Deutschland"), ("Nürnberg", "Deutschland"),
           ("Bremen", "Deutschland"), ("Kassel", "Deutschland"), ("Freiburg", "Deutschland")),
    "fr": (("Lyon", "France"), ("Nantes", "France"), ("Bordeaux", "France"), ("Rennes", "France"),
           ("Toulouse", "France"), ("Grenoble", "France")),
    "es": (("Sevilla", "España"), ("Valencia", "España"), ("Zaragoza", "España"), ("Bilbao", "España"),
           ("Málaga", "España"), ("Valladolid", "España")),
    "it": (("Torino", "Italia"), ("Bologna", "Italia"), ("Genova", "Italia"), ("Bari", "Italia"),
           ("Verona", "Italia"), ("Padova", "Italia")),
    "nl": (("Utrecht", "Nederland"), ("Groningen", "Nederland"), ("Eindhoven", "Nederland"),
           ("Zwolle", "Nederland"), ("Leiden", "Nederland"), ("Arnhem", "Nederland")),
}  # fmt: skip

CURRENCIES = {"Britain": "£", "Scotland": "£", "Wales": "£", "Ireland": "€", "Canada": "C$", "the United States": "$",
              "Australia": "$", "New Zealand": "$", "South Africa": "R", "Kenya": "KSh ", "Ghana": "GH₵",
              "Nigeria": "₦", "India": "₹", "Singapore": "$"}  # fmt: skip

Org = tuple[str, str]  # (full name, short name)
ORGS: dict[str, tuple[Org, ...]] = {
    # English
    "party": (("Civic Renewal Party", "Civic Renewal"), ("Green Commons Party", "Green Commons"),
              ("Unity Labour Party", "Unity Labour"), ("People's Reform Party", "People's Reform"),
              ("Centre Forward Movement", "Centre Forward")),
    "company": (("Northgate Holdings", "Northgate"), ("Brightwater Industries", "Brightwater"),
                ("Calder Motor Works", "Calder"), ("Ashby & Rowe Logistics", "Ashby & Rowe"),
                ("Solenne Foods", "Solenne"), ("Meridian Freight Group", "Meridian Freight"),
                ("Pellucid Packaging", "Pellucid")),
    "tech": (("Quillon Systems", "Quillon"), ("Nimbuswave Technologies", "Nimbuswave"),
             ("Parallax Data", "Parallax"), ("Korvia Labs", "Korvia"), ("Lumenfield Software", "Lumenfield")),
    "telecom": (("Skyreach Networks", "Skyreach"), ("Fibrelink Communications", "Fibrelink"),
                ("Tidewater Telecom", "Tidewater")),
    "bank": (("Harrowgate Capital", "Harrowgate"), ("Pellham Securities", "Pellham"),
             ("Ostrander & Vail", "Ostrander & Vail"), ("Kingsbridge Savings Bank", "Kingsbridge")),
    "pharma": (("Tallis Therapeutics", "Tallis"), ("Orvane Biosciences", "Orvane")),
    "union": (("Allied Workers' Union", "AWU"), ("General Industrial Union", "GIU"),
              ("Federated Nurses' Association", "FNA"), ("National Union of Education Staff", "NUES")),
    "regulator": (("Competition Review Authority", "CRA"), ("Office of Fair Markets", "OFM")),
    "privacy": (("Digital Privacy Authority", "DPA"), ("Data Rights Commission", "DRC")),
    "ethics": (("Office of Public Standards", "OPS"), ("Municipal Integrity Board", "MIB")),
    "health_agency": (("Regional Health Protection Agency", "RHPA"),
                      ("Office for Disease Control and Prevention", "ODCP")),
    "weather_service": (("Coastal and Inland Weather Service", "CIWS"), ("Bureau of Climate and Weather", "BCW")),
    "env_regulator": (("Environment Protection Office", "EPO"), ("Rivers and Coasts Agency", "RCA")),
    "relief_agency": (("International Relief Coordination Office", "IRCO"),
                      ("Joint Humanitarian Response Unit", "JHRU")),
    "funding_council": (("National Research Funding Council", "NRFC"), ("Science Futures Fund", "SFF")),
    "arts_council": (("Metropolitan Arts Fund", "MAF"), ("Council for Stage and Screen", "CSS")),
    "hospital": (("St Aldric's General Hospital", "St Aldric's"), ("Riverside Memorial Hospital", "Riverside Memorial"),
                 ("Northfield University Hospital", "Northfield")),
    "university": (("Halvard University", "Halvard"), ("Eastbrook Institute of Technology", "Eastbrook"),
                   ("Kingsmere University", "Kingsmere")),
    "institute": (("Marlowe Institute for Ocean Research", "Marlowe Institute"),
                  ("Aurora Centre for Climate Science", "Aurora Centre"),
                  ("Tessaly Observatory", "Tessaly")),
    "club": (("Harbourside Athletic", "Harbourside"), ("Kestrel Vale United", "Kestrel Vale"),
             ("Redmarsh Rovers", "Redmarsh"), ("Ashcombe Albion", "Ashcombe"), ("Greyhaven City", "Greyhaven"),
             ("Millbrook Wanderers", "Millbrook")),
    "federation": (("World Distance Running Union", "WDRU"), ("Continental Athletics Federation", "CAF")),
    "museum": (("Amberline Museum of Art", "Amberline"), ("Whitcombe Gallery", "Whitcombe")),
    "festival": (("Silver Lantern Film Festival", "Silver Lantern"), ("Northern Light Film Festival", "Northern Light")),
    "theatre": (("Old Quay Playhouse", "Old Quay"), ("Crescent Theatre Company", "Crescent")),
    "ngo_relief": (("Bridgewell Aid", "Bridgewell"), ("Open Hands International", "Open Hands")),
    "ngo_env": (("Open Rivers Trust", "Open Rivers"), ("Clean Tide Coalition", "Clean Tide")),
    "ngo_tenants": (("Tenants First", "Tenants First"), ("Fair Homes Alliance", "Fair Homes")),
    "ngo_observer": (("Fairvote Observers Network", "FON"), ("Ballot Watch International", "BWI")),
    "conservation": (("Wildmoor Conservation Trust", "Wildmoor"), ("Heron Lake Society", "Heron Lake")),
    "business_group": (("Federation of Small Enterprises", "FSE"), ("Chamber of Independent Traders", "CIT")),
    "landlords": (("Property Owners' Guild", "POG"), ("Residential Landlords Council", "RLC")),
    "utility": (("Clearwater Utilities", "Clearwater"), ("Tristar Power", "Tristar")),
    "energy": (("Gale Ridge Renewables", "Gale Ridge"), ("Westerly Energy", "Westerly")),
    "transport": (("Crosslink Rail", "Crosslink"), ("Orbital Transit", "Orbital")),
    "school_board": (("Metropolitan School Board", "MSB"), ("Lakeshore District Schools", "LDS")),
    "student_union": (("United Students' Council", "USC"), ("Student Voice Federation", "SVF")),
    "school": (("Hollins Park Academy", "Hollins Park"), ("St Brendan's College", "St Brendan's"),
               ("Marlow Green High School", "Marlow Green")),
    "community": (("Neighbourhood Watch Alliance", "NWA"), ("Safer Streets Forum", "Safer Streets")),
    # German
    "de_party": (("Bürgerbündnis für die Stadt", "Bürgerbündnis"), ("Wählerbündnis Zukunft", "Wählerbündnis")),
    "de_company": (("Hanselmann Präzisionstechnik AG", "Hanselmann"), ("Nordwerk Industrie GmbH", "Nordwerk")),
    "de_union": (("Gewerkschaft Technik und Fertigung", "GTF"), ("Gewerkschaft Fertigung und Handwerk", "GFH")),
    "de_transit": (("Stadtwerke Verkehr", "Stadtwerke"), ("Regionalbahn Mitte", "Regionalbahn Mitte")),
    # French
    "fr_festival": (("Festival des Lumières du Fleuve", "Festival des Lumières"),
                    ("Festival international de l'Estuaire", "Festival de l'Estuaire")),
    "fr_agency": (("Office régional de l'eau", "ORE"), ("Agence des bassins versants", "ABV")),
    "fr_ngo": (("Collectif Rivières vivantes", "Rivières vivantes"), ("Association Eau commune", "Eau commune")),
    # Spanish
    "es_club": (("Real Club Atlético Ribera", "Atlético Ribera"), ("Club Deportivo Montealto", "Montealto")),
    "es_hospital": (("Hospital Universitario San Telmo", "San Telmo"),
                    ("Hospital General Santa Brígida", "Santa Brígida")),
    "es_union": (("Sindicato de Enfermería Unida", "SEU"), ("Colectivo Sanitario Independiente", "CSI")),
    # Italian
    "it_company": (("Finanziaria Belvedere", "Belvedere"), ("Banca Solare Investimenti", "Banca Solare")),
    "it_school": (("Istituto comprensivo San Rocco", "Istituto San Rocco"), ("Istituto tecnico Monteverde", "Istituto Monteverde")),
    "it_parents": (("Comitato genitori per la scuola", "Comitato genitori"), ("Comitato Scuole Sicure", "Comitato Scuole Sicure")),
    # Dutch
    "nl_tech": (("Polderdata B.V.", "Polderdata"), ("Waddenweb Technologies", "Waddenweb")),
    "nl_investor": (("Rijnhaven Ventures", "Rijnhaven"), ("Dijkstra & Kuipers Capital", "Dijkstra & Kuipers")),
    "nl_weather": (("Weerdienst Noordzee", "WDN"), ("Meteo Lage Landen", "MLL")),
    "nl_water": (("Waterschap Lage Landen", "waterschap"), ("Waterschap Rivierenland-Oost", "waterschap")),
}  # fmt: skip

WEEKDAYS: dict[str, tuple[str, ...]] = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "it": ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
}
MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"),
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
           "ottobre", "novembre", "dicembre"),
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
           "november", "december"),
}  # fmt: skip

QUOTE_FRAMES: dict[str, tuple[str, ...]] = {
    "en": (
        '"{q}," said {who}.',
        '"{q}," {who} said.',
        '{who} said: "{q}."',
        '"{q}," {who} told {src}.',
        '"{q}," {who} added.',
        'Speaking to reporters, {who} said: "{q}."',
    ),
    "de": ("„{q}“, sagte {who}.", "{who} sagte: „{q}.“", "„{q}“, betonte {who}.", "„{q}“, erklärte {who}."),
    "fr": (
        "« {q} », a déclaré {who}.",
        "{who} a affirmé : « {q}. »",
        "« {q} », a souligné {who}.",
        "« {q} », a expliqué {who}.",
    ),
    "es": ("“{q}”, afirmó {who}.", "{who} declaró: “{q}.”", "“{q}”, explicó {who}.", "“{q}”, subrayó {who}."),
    "it": (
        "«{q}», ha dichiarato {who}.",
        "{who} ha spiegato: «{q}.»",
        "«{q}», ha sottolineato {who}.",
        "«{q}», ha detto {who}.",
    ),
    "nl": ('"{q}", zei {who}.', '{who} zei: "{q}."', '"{q}", benadrukte {who}.', '"{q}", aldus {who}.'),
}
UPDATE_NOTES: dict[str, tuple[str, ...]] = {
    "en": ("This story has been updated with additional reporting.",
           "Update: This article was updated after publication to include further comments and details.",
           "Correction: An earlier version of this article misstated one of the figures. It has been corrected.",
           "This is an updated version of a story first published earlier."),
    "de": ("Aktualisiert: Dieser Artikel wurde um weitere Stellungnahmen ergänzt.",
           "Korrektur: In einer früheren Fassung dieses Artikels war eine Zahl falsch angegeben."),
    "fr": ("Mise à jour : cet article a été complété par de nouvelles réactions.",
           "Correctif : une version précédente de cet article comportait un chiffre erroné."),
    "es": ("Actualización: este artículo se ha ampliado con nuevas declaraciones.",
           "Corrección: una versión anterior de este artículo contenía una cifra errónea."),
    "it": ("Aggiornamento: questo articolo è stato integrato con nuove dichiarazioni.",
           "Correzione: una versione precedente di questo articolo riportava una cifra errata."),
    "nl": ("Update: dit artikel is aangevuld met nieuwe reacties.",
           "Correctie: in een eerdere versie van dit artikel stond een onjuist cijfer."),
}  # fmt: skip

# --------------------------------------------------------------------------------------------------
# English story templates: twelve sections, three stories each
# --------------------------------------------------------------------------------------------------

SECTION_EXTRAS: dict[str, tuple[str, ...]] = {
    "politics": (
        "The debate in {city} mirrors arguments playing out across {country}, where local governments have been squeezed between rising costs and voters who are [[wary|tired]] of tax increases. Turnout at the last municipal election was just {pct3} per cent, a figure both sides now cite to argue that residents feel left out.",
        "Political analysts said the episode would [[test|strain]] the fragile arrangement that has governed {city} since the last election, in which no single group holds a majority and every significant vote depends on a handful of independents.",
        "Officials have until the end of {month} to publish the full documents. Opposition members said they would scrutinise every line and did not rule out a legal challenge if the figures did not add up.",
    ),
    "business": (
        "Shares in the sector have had a volatile start to the year, with investors weighing higher borrowing costs against signs that consumer demand in {country} is holding up better than expected. An index of mid-sized listed companies is down {pct2} per cent since January.",
        "The company employs about {n_big} people worldwide, roughly a third of them in {country}. It was founded in {city} and still keeps its headquarters and largest site there.",
        "[[Analysts|Market watchers]] said the next set of figures, due in the summer, would show whether the measures announced on {day} were enough to restore confidence among investors and suppliers.",
    ),
    "sport": (
        "The result leaves the table finely balanced with {n_small} rounds remaining. Supporters who travelled from {city} were in good voice throughout, and the attendance of {n_big} was the highest of the season.",
        "It has been an uneven campaign. A run of injuries in the autumn left the squad thin, and the coaching staff have rotated heavily to cope with a congested fixture list.",
        "Attention now turns to next week, when the fixture list offers little respite. Tickets for the match sold out within hours, according to the organisers.",
    ),
    "science": (
        "The findings have not yet been replicated by other groups, and the researchers cautioned that the sample was limited. They said further work was planned over the next {n_small} years and that all data would be made publicly available.",
        "The study was funded by a mix of public grants and charitable foundations and was peer reviewed before publication. None of the authors reported conflicts of interest.",
        "Scientists not involved in the work described it as [[careful|rigorous|ambitious]] but said the real test would come when other laboratories attempted to reproduce the measurements.",
    ),
    "technology": (
        "The episode comes as regulators in {country} weigh tighter rules for companies that handle large volumes of personal data, including mandatory reporting deadlines and higher fines for repeated failures.",
        "Industry figures suggest that spending on cloud services and security tools in {country} grew by {pct3} per cent last year, with mid-sized firms accounting for much of the increase.",
        "Customers were advised to keep their software up to date and to be wary of unexpected messages asking for passwords or payment details, a common follow-up to incidents of this kind.",
    ),
    "health": (
        "Health services across {country} have struggled with staff shortages since the pandemic, and winter infections have added pressure. Official figures show that {pct3} per cent of nursing posts in the region are currently vacant.",
        "Patients with concerns were advised to contact their family doctor or the non-emergency helpline rather than attending an emergency department unless their condition was serious.",
        "The health board said it would publish updated figures every month and that a review of how resources are allocated between hospitals would report in {month}.",
    ),
    "culture": (
        "Arts organisations in {city} have faced a difficult few years, with audiences slow to return after the pandemic and costs for energy and materials rising sharply. Several smaller venues have closed since {year_past}.",
        "Tickets are available online and at the box office, with reduced prices for students and residents on low incomes. A programme of talks and workshops runs alongside.",
        "Critics have been broadly positive, although some questioned whether the programme did enough to reach younger audiences who rarely set foot in traditional venues.",
    ),
    "world": (
        "The situation has drawn growing attention from governments in the region, several of which have offered technical help. Diplomats said privately that progress would depend on the next few weeks.",
        "Independent verification has been difficult because access for journalists remains limited. {Src} spoke to residents by phone and reviewed documents shared by aid workers.",
        "Observers noted that the region has seen similar crises before, most recently in {year_past}, when the response was criticised as slow and poorly coordinated.",
    ),
    "environment": (
        "Environmental groups say the case illustrates a wider problem: monitoring budgets have been cut while the number of sites that need inspection has grown. Only {pct3} per cent of permitted sites in the region were inspected last year.",
        "The area is home to several protected species, including wading birds and rare freshwater plants, and is popular with walkers and anglers from {city} and beyond.",
        "The government has promised to publish a new strategy before the end of {month}, setting out targets for water quality, habitat restoration and emissions.",
    ),
    "crime": (
        "Police urged anyone with information to come forward, adding that reports could be made anonymously. Officers said they had increased patrols in the affected neighbourhoods.",
        "Recorded offences of this type in {city} rose by {pct3} per cent last year, according to official statistics, although officials say part of the increase reflects better reporting.",
        "Legal experts said the case could influence how similar prosecutions are handled, particularly where evidence depends on financial records spread across several jurisdictions.",
    ),
    "weather": (
        "Forecasters said conditions should ease later in the week, but warned that the pattern of more frequent extreme events was consistent with a warming climate.",
        "Residents were advised to check on elderly neighbours, keep up to date with official warnings and avoid unnecessary travel while the warnings remain in force.",
        "Insurers said it was too early to estimate the cost of the damage, but early claims suggested it could run into the tens of millions.",
    ),
    "education": (
        "Schools in {city} have faced rising costs for energy and building maintenance, and head teachers say budgets have not kept pace. A survey last year found that {pct3} per cent of schools had cut teaching assistant posts.",
        "Parents were told to check school websites and messages for the latest information. Arrangements for pupils sitting exams would be prioritised, officials said.",
        "Education researchers said the figures should be treated with caution, because changes to assessment methods make comparisons with earlier years difficult.",
    ),
}

GENERIC_EXTRAS = (
    "{Src} contacted all of the organisations named in this article for comment. Several responded with written statements; others did not reply before publication.",
    "The developments are likely to be closely watched in {city2}, where officials are grappling with similar questions and have said privately that they are waiting to see how events unfold before making decisions of their own.",
    "Residents who spoke to {src} in {city} on {day} were divided. Some welcomed the news and hoped it would bring change; others said they had heard similar promises before and would judge the outcome by what happened next.",
    "It is not the first time the issue has surfaced. A report published in {year_past} made similar findings and recommended changes, only some of which were carried out, according to people familiar with the matter.",
    "Further announcements are expected in the coming weeks. Officials said a fuller account of the figures and the reasoning behind them would be published, along with a timetable for the next steps.",
)

EN_STORIES: tuple[Story, ...] = (
    # ---------------------------------------------------------------- politics
    Story(
        key="budget-vote",
        section="politics",
        language="en",
        headlines=(
            "{city} council approves budget after all-night session",
            "{p1s} wins budget vote as {o2s} walks out",
            "Council backs {cur}{money}m spending plan despite opposition protest",
        ),
        leads=(
            "{city}'s city council approved a {cur}{money} million budget early on {day} after a session that ran for more than {n_small} hours, handing {p1}, the council's finance chair, a narrow victory over opponents who said the plan would cut services.",
            "After a marathon debate that ended shortly before dawn on {day}, councillors in {city} voted {n_mid} to {n_mid2} in favour of a {cur}{money} million spending plan championed by {p1}, the finance chair and a senior figure in the {o1}.",
        ),
        paragraphs=(
            "The plan raises local property taxes by {pct2} per cent and sets aside money for road repairs, a new library in the east of the city and an expansion of social care. {p1} said the choices had been [[difficult|painful]] but that the council could not keep postponing investment.",
            "Members of the {o2} walked out before the final vote, accusing the majority of forcing through the budget without proper scrutiny. {p2}, who leads the group, said amendments tabled by the opposition had been dismissed without debate.",
            "The budget also includes savings of {cur}{money2} million, mostly from merging back-office functions and reducing the number of council buildings. {p3}, {p3r}, warned that the cuts would fall hardest on residents who rely on face-to-face services.",
            "Under the plan, the council will borrow to finance part of the library project, a decision that drew criticism from {p2}. {p1} countered that interest rates were expected to fall and that delaying the project would only make it more expensive.",
            "The vote followed weeks of public consultation in which more than {n_big} residents responded. According to a council summary, most supported spending on roads and care but opposed higher taxes, a tension {p1} acknowledged during the debate.",
        ),
        quotes=(
            (
                "p1",
                "This is a budget that invests in the city rather than managing its decline, and I am proud that we held our nerve",
            ),
            (
                "p2",
                "Residents were promised an open process and instead they got a budget agreed behind closed doors and rushed through at four in the morning",
            ),
            (
                "p3",
                "Every one of these savings has a human face, and the people who will notice first are the ones with the least",
            ),
        ),
        tags=("local-government", "budget", "council"),
        roles={
            "p1": "the council's finance chair",
            "p2": "the opposition leader",
            "p3": "a spokesperson for a coalition of community groups",
        },
        orgs={"o1": "party", "o2": "party"},
    ),
    Story(
        key="deputy-resigns",
        section="politics",
        language="en",
        headlines=(
            "{city} deputy mayor resigns amid contracts review",
            "{p1s} steps down as watchdog examines {o1s} contracts",
            "Deputy mayor quits over links to {o1s}",
        ),
        leads=(
            "{p1}, the deputy mayor of {city}, resigned on {day} after the {o2} opened a review into how contracts worth {cur}{money} million were awarded to {o1}, a company in which a relative holds shares.",
            "The deputy mayor of {city}, {p1}, stepped down on {day}, saying an ongoing inquiry by the {o2} into municipal contracts with {o1} had made it impossible to continue in the role.",
        ),
        paragraphs=(
            "In a short statement, {p1} denied any wrongdoing and said the resignation was intended to allow the review to proceed without distraction. The statement did not address the reported shareholding directly.",
            "The contracts, for maintenance of street lighting and public buildings, were awarded over {n_small} years. Documents seen by {src} show that {o1} was the only bidder in at least {n_small2} of the tenders.",
            "{o1} said in a statement that it had won the work on merit and had complied with every procurement rule. Its managing director, {p2}, said the company would cooperate fully with the {o2}.",
            "{p3}, {p3r}, said the resignation was overdue. Opposition councillors have called for all contracts signed since the last election to be published in full.",
            "The mayor thanked {p1} for years of service and said an interim deputy would be named within days. The {o2} is expected to report within {n_small} months.",
        ),
        quotes=(
            (
                "p1",
                "I have always acted in the interests of this city, and I am confident the review will show that",
            ),
            (
                "p3",
                "Residents deserve to know that public money is spent fairly, and today's resignation does not answer that question",
            ),
            ("p2", "We have nothing to hide and we welcome the chance to set the record straight"),
        ),
        tags=("local-government", "procurement", "ethics"),
        roles={"p1": "the deputy mayor", "p2": "the managing director", "p3": "an opposition councillor"},
        orgs={"o1": "company", "o2": "ethics"},
    ),
    Story(
        key="rent-bill",
        section="politics",
        language="en",
        headlines=(
            "Regional assembly passes rent cap bill",
            "Landlords vow challenge as {p1s} rent law passes",
            "Rent increases to be capped at {pct2} per cent under new law",
        ),
        leads=(
            "Lawmakers in the regional assembly that covers {city} passed a bill on {day} capping annual rent increases at {pct2} per cent, a measure drafted by {p1} that tenants' groups hailed as long overdue and landlords said would choke investment.",
            "A bill limiting how much landlords can raise rents each year cleared its final vote in the regional assembly on {day}, giving {p1}, the legislator behind it, a significant win after {n_small} months of wrangling.",
        ),
        paragraphs=(
            "The law applies to around {n_big} private rental homes in and around {city}. New buildings are exempt for their first {n_small2} years, a concession {p1} added to win over wavering members.",
            "{p2}, {p2r} of the {o1}, said the cap would discourage maintenance and push small landlords to sell. The group is considering a legal challenge, arguing that the measure interferes with property rights.",
            "{p3} of {o2} said tenants had seen rents rise by {pct} per cent in three years while wages had barely moved. Campaigners collected more than {n_big2} signatures in support of the bill.",
            "The bill also creates a public register of landlords and gives tenants the right to request information about past rent levels. {p1} said transparency would make enforcement easier.",
            "Economists were divided. Some pointed to research suggesting that caps reduce the supply of rental homes over time; others said the measure was modest compared with rules in other countries.",
        ),
        quotes=(
            (
                "p1",
                "For too long people have been forced to choose between paying the rent and heating their homes",
            ),
            (
                "p2",
                "This law treats every landlord as a villain and will leave renters with fewer homes to choose from",
            ),
            (
                "p3",
                "It is not the end of the housing crisis, but it is the first time in years that tenants have been heard",
            ),
        ),
        tags=("housing", "rent", "legislation"),
        roles={"p1": "the legislator", "p2": "chair", "p3": "tenant campaigner"},
        orgs={"o1": "landlords", "o2": "ngo_tenants"},
    ),
    # ---------------------------------------------------------------- business
    Story(
        key="profit-warning",
        section="business",
        language="en",
        headlines=(
            "{o1s} shares slide after profit warning",
            "{o1s} cuts forecast as demand weakens",
            "Profit warning at {o1s} puts {n_mid} jobs in doubt",
        ),
        leads=(
            "Shares in {o1} fell {pct} per cent on {day} after the company warned that annual profit would be well below expectations, blaming weaker demand and higher costs. Chief executive {p1} said the group would cut spending and review its sites.",
            "{o1} issued its second profit warning in six months on {day}, sending its shares down {pct} per cent and prompting questions about the strategy of chief executive {p1}.",
        ),
        paragraphs=(
            "The company now expects operating profit of about {cur}{money} million for the year, compared with earlier guidance of {cur}{money2} million. Revenue in the final quarter fell {pct2} per cent from a year earlier.",
            "{p1} told analysts on a call that orders from large customers had been delayed rather than cancelled and that the outlook for the second half was better. Several analysts were sceptical.",
            "{p2}, an analyst at {o2}, said the warning raised questions about whether the company's targets had ever been realistic. {o2} cut its rating on the stock to sell.",
            "The company said it would review its {n_small} production sites and did not rule out job losses. {p3} of the {o3}, which represents many of the workers, demanded talks before any decisions are made.",
            "{o1} has spent heavily on automation in recent years and took on debt to finance the purchase of a rival. Net debt stood at {cur}{money2} million at the end of the period.",
        ),
        quotes=(
            (
                "p1",
                "We are disappointed with these results, but the underlying business is sound and we are taking decisive action",
            ),
            ("p2", "This is now a credibility problem as much as a trading problem"),
            ("p3", "Workers should not pay the price for decisions made in the boardroom"),
        ),
        tags=("earnings", "shares", "manufacturing"),
        roles={"p1": "the chief executive", "p2": "analyst", "p3": "a union official"},
        orgs={"o1": "company", "o2": "bank", "o3": "union"},
    ),
    Story(
        key="merger",
        section="business",
        language="en",
        headlines=(
            "{o1s} agrees {cur}{money}m takeover of {o2s}",
            "{o1s} and {o2s} to combine in all-share deal",
            "Regulator to examine {o1s} bid for {o2s}",
        ),
        leads=(
            "{o1} has agreed to buy its smaller rival {o2} in a deal valuing the company at {cur}{money} million, the two firms said on {day}, creating one of the largest groups of its kind in {country}.",
            "{o1} announced on {day} that it would acquire {o2} for {cur}{money} million, a move its chief executive {p1} said would create savings and give the combined company the scale to compete abroad.",
        ),
        paragraphs=(
            "Shareholders in {o2} will receive a premium of {pct} per cent over the closing share price before the deal was announced. The boards of both companies have recommended the offer.",
            "{p1} said the combined company would save about {cur}{money2} million a year within three years, mostly from purchasing and shared systems. Asked about jobs, {p1} said there were no plans for large-scale cuts.",
            "{p2}, the chief executive of {o2}, will join the board of the enlarged group. {p2} said the deal recognised the value the company had built and offered staff new opportunities.",
            "The {o3} said it would examine whether the merger could reduce competition. {p3}, a competition lawyer, said the overlap in some regional markets was significant and that the regulator might demand the sale of some operations.",
            "The deal is expected to close by the end of {year}, subject to shareholder and regulatory approval. Advisers on both sides are expected to earn substantial fees.",
        ),
        quotes=(
            ("p1", "Together we will be stronger, more resilient and better able to invest"),
            (
                "p2",
                "This is a good outcome for our shareholders and a recognition of what our people have achieved",
            ),
            (
                "p3",
                "The authorities will want to look very closely at the markets where these two companies compete head to head",
            ),
        ),
        tags=("mergers", "acquisitions", "competition"),
        roles={"p1": "the chief executive", "p2": "the chief executive", "p3": "a competition lawyer"},
        orgs={"o1": "company", "o2": "company", "o3": "regulator"},
    ),
    Story(
        key="plant-opening",
        section="business",
        language="en",
        headlines=(
            "{o1s} to build new plant near {city}",
            "{n_mid} jobs promised as {o1s} picks {city}",
            "{city} wins {cur}{money}m factory investment",
        ),
        leads=(
            "{o1} will build a {cur}{money} million plant on the outskirts of {city}, creating about {n_mid} jobs, the company said on {day}, ending months of speculation about where the facility would go.",
            "{city} has been chosen as the site of a new {o1} factory, a {cur}{money} million investment that the mayor, {p1}, described as the most significant for the area in a decade.",
        ),
        paragraphs=(
            "Construction is due to start in the spring and production to begin in {year}. {p2}, the company's operations director, said {city} had been chosen for its transport links, skilled workforce and available land.",
            "Local officials offered a package of incentives, including reduced business rates for the first {n_small} years. {p1} said the support would be more than repaid by new tax revenue and the jobs created.",
            "Not everyone is pleased. Residents living near the site have raised concerns about traffic and noise, and {p3}, who lives on a road next to the planned entrance, said lorries would pass the local primary school.",
            "The company said it would fund a new access road and plant trees along the boundary. It also plans an apprenticeship programme with a local college for up to {n_small2} trainees a year.",
            "{o1} has expanded rapidly, and the new plant will bring the number of its factories to {n_small2}. It employs about {n_big} people and reported revenue of {cur}{money2} million last year.",
        ),
        quotes=(
            ("p1", "This is a vote of confidence in our city and in the people who live here"),
            ("p2", "We looked at a dozen locations and this one stood out on every measure"),
            ("p3", "Nobody is against jobs, but we were told about this after the decision was made"),
        ),
        tags=("investment", "jobs", "manufacturing"),
        roles={"p1": "the mayor", "p2": "the operations director", "p3": "a resident"},
        orgs={"o1": "company"},
    ),
    # ---------------------------------------------------------------- sport
    Story(
        key="match-report",
        section="sport",
        language="en",
        headlines=(
            "{o1s} beat {o2s} {score_a}-{score_b} as {p1s} scores twice",
            "{p1s} double lifts {o1s} past {o2s}",
            "{o1s} close gap at the top with win over {o2s}",
        ),
        leads=(
            "Two goals from {p1} gave {o1} a {score_a}-{score_b} victory over {o2} on {day}, a result that lifts them into the top three and keeps alive their hopes of promotion.",
            "{o1} came from behind to beat {o2} {score_a}-{score_b} on {day}, with striker {p1} scoring after {minute} minutes and again late on to settle a tense match.",
        ),
        paragraphs=(
            "{o2} had started the brighter side and took the lead when a corner was not cleared. But {o1} grew into the game, and {p1} equalised with a low shot from the edge of the area.",
            "{p1}, {age}, has now scored {n_small} goals this season, more than any other player in the division. The winner came after a quick exchange of passes with {n_small2} minutes left, finished calmly into the far corner.",
            "{p2}, the {o1s} manager, praised the team's resilience. The side has lost only once in its last {n_small2} matches and has conceded fewer goals than anyone else in the league since the winter break.",
            "For {o2}, it was a third defeat in four matches. Manager {p3} complained that a foul had been missed in the build-up to the winning goal and said the team had been punished for a lapse in concentration.",
            "The visitors had chances to equalise in stoppage time, but a header from close range was saved at full stretch, and the home supporters celebrated as the final whistle went.",
        ),
        quotes=(
            (
                "p2",
                "We showed character today. Going a goal down against a good side and coming back says a lot about this group",
            ),
            ("p1", "It is always nice to score, but the most important thing is the three points"),
            (
                "p3",
                "We were the better side for half an hour and then we switched off. At this level you cannot do that",
            ),
        ),
        tags=("football", "match-report"),
        roles={"p1": "the striker", "p2": "the manager", "p3": "the manager"},
        orgs={"o1": "club", "o2": "club"},
    ),
    Story(
        key="marathon",
        section="sport",
        language="en",
        headlines=(
            "{p1s} breaks course record at {city} marathon",
            "Record falls in {city} as {p1s} wins marathon",
            "{p1s} storms to victory in {city}",
        ),
        leads=(
            "{p1} won the {city} marathon on {day} in a course record of two hours and {n_small} minutes, pulling away from a small leading group in the final {n_small2} kilometres to finish well clear.",
            "Running in cool, still conditions, {p1} broke the course record at the {city} marathon on {day}, finishing more than a minute ahead of {p3} in one of the fastest races the event has seen.",
        ),
        paragraphs=(
            "The leading group passed halfway inside record pace, and {p1} made the decisive move near the river, where the course turns into a long straight. Only {p3} tried to follow, and the gap grew steadily.",
            "{p1}, who is {age}, was running only a second marathon. {p2}, the athlete's coach, said training had been adjusted after an injury in the autumn and that the plan had been to run conservatively until the last quarter.",
            "{p3} finished second and said afterwards that the pace had been too much to sustain. Third place went to a debutant who was making a first appearance over the distance.",
            "Organisers said more than {n_big} runners had entered the mass race, a record for the event. Medical teams treated a small number of runners for minor problems.",
            "The result is likely to earn {p1} a place at the championships later in the year, according to the {o1}, which sets the qualifying standards.",
        ),
        quotes=(
            (
                "p1",
                "I felt strong from the start, and when I looked back at thirty-five kilometres I knew I could do it",
            ),
            ("p2", "We were patient and it paid off. There is more to come"),
            ("p3", "I gave everything, but today there was one runner who was simply better"),
        ),
        tags=("athletics", "marathon", "running"),
        roles={"p1": "the winner", "p2": "the coach", "p3": "the runner-up"},
        orgs={"o1": "federation"},
    ),
    Story(
        key="coach-sacked",
        section="sport",
        language="en",
        headlines=(
            "{o1s} sack {p1s} after poor run",
            "{p1s} out at {o1s} as search for successor begins",
            "{o1s} part company with head coach {p1s}",
        ),
        leads=(
            "{o1} dismissed head coach {p1} on {day} after a run of {n_small} matches without a win left the club {n_small2} points above the relegation places.",
            "{p1} has been sacked as head coach of {o1}, the club announced on {day}, ending a spell of less than two seasons that began with high hopes and unravelled over the winter.",
        ),
        paragraphs=(
            "{p2}, the club chair, said the decision had not been taken lightly but that the board believed a change was necessary to protect the club's position. An interim coach will take charge of the next match.",
            "{p1} arrived from a rival club with a reputation for developing young players and led the team to a strong finish last season. This season, however, injuries and poor form have taken their toll.",
            "Players were told of the decision at the training ground on {day} morning. Captain {p3} thanked {p1} for their work and said the squad had to take responsibility for the results.",
            "The club has spent heavily in the last two transfer windows, and supporters' groups have questioned the recruitment strategy as much as the coaching. Attendance has fallen to an average of {n_big}.",
            "Bookmakers quickly installed several candidates as favourites for the job, but the club said it would not rush the appointment and expected to make a decision within {n_small2} weeks.",
        ),
        quotes=(
            (
                "p2",
                "We thank the coach for everything, but results have not been good enough and we have to act now",
            ),
            ("p3", "The players have to look at ourselves. We are the ones on the pitch"),
            ("p1", "I am proud of what we built and I wish the club nothing but success"),
        ),
        tags=("football", "coaching"),
        roles={"p1": "the head coach", "p2": "the chair", "p3": "the captain"},
        orgs={"o1": "club"},
    ),
    # ---------------------------------------------------------------- science
    Story(
        key="deep-sea",
        section="science",
        language="en",
        headlines=(
            "Researchers find new deep-sea species off {country}",
            "{n_small} new species found on deep-sea expedition",
            "Deep-sea survey reveals unknown creatures",
        ),
        leads=(
            "Scientists from the {o1} say they have identified {n_small} previously unknown species during a deep-sea expedition, including a translucent sea cucumber and a worm that lives inside sunken wood, according to a study published on {day}.",
            "A research team led by {p1} of the {o1} has described {n_small} new species collected at depths of more than {n_big} metres, in what the scientists call one of the most productive surveys of its kind.",
        ),
        paragraphs=(
            "The animals were collected by a remotely operated vehicle during a {n_small2}-week voyage. {p1} said the team had expected to find new species but was surprised by how many turned up in a relatively small area.",
            "Genetic analysis carried out at the {o2} confirmed that the animals differ from known relatives. {p2}, a co-author based there, said some appear to have been isolated for millions of years.",
            "The researchers warned that parts of the area are being considered for deep-sea mining. {p1} said it would be reckless to disturb habitats that scientists had barely begun to study.",
            "{p3}, a marine biologist who was not involved in the study, said the work was impressive but that descriptions of new species should be followed by long-term monitoring to understand how the ecosystems function.",
            "Specimens will be stored in a public collection and the team has released video footage from the dives, which shows the animals moving across the sea floor in near-total darkness.",
        ),
        quotes=(
            (
                "p1",
                "Every time we go down we find something we did not know existed, which tells you how little we understand",
            ),
            ("p2", "The genetic data were unambiguous. These are animals that nobody had described before"),
            (
                "p3",
                "Finding species is the first step. Knowing how they live, and what happens if we disturb them, is the hard part",
            ),
        ),
        tags=("oceans", "biodiversity", "research"),
        roles={"p1": "the lead author", "p2": "a geneticist", "p3": "a marine biologist"},
        orgs={"o1": "institute", "o2": "university"},
    ),
    Story(
        key="exoplanet",
        section="science",
        language="en",
        headlines=(
            "Astronomers detect water vapour on distant planet",
            "{o1s} team spots signs of atmosphere around nearby world",
            "Telescope data hint at watery atmosphere",
        ),
        leads=(
            "Astronomers at the {o1} say they have detected water vapour in the atmosphere of a planet orbiting a star about {n_mid} light years away, a finding led by {p1} and published on {day}.",
            "A team led by {p1} has found evidence of water vapour around a planet roughly twice the size of Earth, adding to a small but growing list of worlds whose atmospheres can be studied in detail.",
        ),
        paragraphs=(
            "The planet orbits its star every {n_small} days, far too close for liquid water on its surface. The signal was measured as the planet passed in front of its star, filtering starlight through its atmosphere.",
            "{p1} said the detection had taken {n_small2} separate observations to confirm. The team ruled out several alternative explanations, including activity on the star's surface, which can mimic the signal.",
            "{p2}, a co-author from {o2}, said the next step was to look for other molecules such as carbon dioxide and methane, which would help scientists understand how the planet formed.",
            "{p3}, an astronomer who reviewed the paper, said the result was convincing but urged caution over claims about habitability. The planet is almost certainly too hot to support life as we know it, {p3} said.",
            "The observations were made over {n_small2} months. The researchers have applied for more telescope time and hope to publish a more detailed analysis by the end of {year}.",
        ),
        quotes=(
            (
                "p1",
                "It is a faint signal, but it is there in every observation, and that is what gives us confidence",
            ),
            ("p2", "Water is just the start. We want the full chemical inventory"),
            ("p3", "This is excellent work, but we should resist the temptation to talk about life"),
        ),
        tags=("astronomy", "exoplanets", "space"),
        roles={"p1": "the lead author", "p2": "a co-author", "p3": "an independent astronomer"},
        orgs={"o1": "institute", "o2": "university"},
    ),
    Story(
        key="research-funding",
        section="science",
        language="en",
        headlines=(
            "Scientists protest cuts to research budget",
            "{o2s} funding cut threatens {n_mid} projects",
            "Researchers warn of brain drain after grant freeze",
        ),
        leads=(
            "More than {n_big} scientists have signed an open letter protesting a {pct} per cent cut to the budget of the {o2}, which they say threatens hundreds of projects. The letter was organised by {p1} of {o1}.",
            "The {o2} will freeze new grants for the rest of the year after its budget was cut by {pct} per cent, a decision that {p1}, a professor at {o1}, called a blow to an entire generation of researchers.",
        ),
        paragraphs=(
            "The council distributes about {cur}{money} million a year to universities and research institutes. Under the new budget, it will receive {cur}{money2} million less, and officials say existing grants will be honoured but few new ones awarded.",
            "{p1} said early-career researchers on short contracts would be hit hardest. Several had already accepted positions abroad, {p1} said, and more were likely to follow.",
            "{p2}, a spokesperson for the {o2}, said the council understood the frustration and was working to protect the most important programmes. Officials would consult the research community on priorities.",
            "The government defended the cut, saying all public bodies had been asked to find savings and that research spending remained higher than a decade ago in real terms.",
            "{p3}, a doctoral student at {o1}, said the uncertainty was already affecting morale. Laboratory work planned for the coming year may have to be postponed if funding cannot be found elsewhere.",
        ),
        quotes=(
            (
                "p1",
                "You cannot switch research on and off like a tap. When people leave, they do not come back",
            ),
            ("p2", "We are doing everything we can to protect the science that matters most"),
            ("p3", "Half of my group does not know if they will have a job next year"),
        ),
        tags=("research", "funding", "universities"),
        roles={"p1": "a professor", "p2": "a spokesperson", "p3": "a doctoral student"},
        orgs={"o1": "university", "o2": "funding_council"},
    ),
    # ---------------------------------------------------------------- technology
    Story(
        key="data-breach",
        section="technology",
        language="en",
        headlines=(
            "{o1s} says hackers accessed customer data",
            "Data of {n_big} customers exposed in {o1s} breach",
            "{o2s} opens inquiry into {o1s} data breach",
        ),
        leads=(
            "{o1} said on {day} that hackers had gained access to personal data belonging to about {n_big} customers, including names, email addresses and partial payment details, in an attack discovered {n_small} days earlier.",
            "Software company {o1} has disclosed a data breach affecting roughly {n_big} customers, and the {o2} said it had opened an inquiry into whether the firm had adequately protected the information.",
        ),
        paragraphs=(
            "{p1}, the company's chief technology officer, said attackers had exploited a flaw in a third-party tool used for customer support. The vulnerability has been fixed and passwords have been reset as a precaution.",
            "The company said there was no evidence that full card numbers had been taken, but customers were advised to watch for suspicious messages. {o1} is offering affected users free credit monitoring for {n_small2} months.",
            "{p2}, an independent security researcher, said the incident fit a wider pattern of attackers targeting software suppliers rather than companies directly, because a single weakness could expose many organisations.",
            "The {o2} can impose fines of up to {pct2} per cent of annual turnover. {p3}, a spokesperson for the regulator, said it would examine how quickly the company had notified customers.",
            "Shares in {o1} fell {pct} per cent in early trading before recovering some losses. The company said the cost of the incident would not materially affect its results.",
        ),
        quotes=(
            (
                "p1",
                "We are deeply sorry. Protecting our customers' information is our highest priority, and we fell short",
            ),
            (
                "p2",
                "Attackers go where the weak link is, and increasingly that is a supplier nobody has looked at closely",
            ),
            ("p3", "Companies have a legal duty to tell people promptly when their data is at risk"),
        ),
        tags=("cybersecurity", "data-breach", "privacy"),
        roles={"p1": "the chief technology officer", "p2": "a security researcher", "p3": "a spokesperson"},
        orgs={"o1": "tech", "o2": "privacy"},
    ),
    Story(
        key="ai-launch",
        section="technology",
        language="en",
        headlines=(
            "{o1s} unveils AI assistant for small businesses",
            "{o1s} bets on AI with new office tool",
            "New {o1s} assistant promises to automate paperwork",
        ),
        leads=(
            "{o1} launched an artificial intelligence assistant aimed at small businesses on {day}, promising to automate invoicing, scheduling and customer emails. Chief executive {p1} said the product had been tested by {n_big} firms.",
            "Software maker {o1} on {day} unveiled an AI assistant designed to handle routine office work for small companies, its biggest launch since {p1} became chief executive.",
        ),
        paragraphs=(
            "The assistant will cost a monthly subscription and can connect to common accounting and email services. {p1} said early users had saved an average of {n_small} hours a week on administrative tasks.",
            "{p2}, a technology analyst at {o2}, said the market for such tools was crowded and that {o1} would need to prove that its product was more reliable than cheaper alternatives.",
            "The company said customer data would be stored in {country} and would not be used to train models without permission, a concern frequently raised by small firms considering such tools.",
            "{p3}, who runs a bakery in {city} and tested the assistant, said it had been useful for invoices but still made mistakes with unusual orders, which had to be checked by hand.",
            "{o1} has invested heavily in AI over the past two years, and the launch comes as investors press the company to show returns. Revenue grew {pct} per cent last year.",
        ),
        quotes=(
            ("p1", "Small businesses are drowning in paperwork. We want to give them their evenings back"),
            (
                "p2",
                "The demos are impressive, but the real question is how it copes with messy everyday data",
            ),
            ("p3", "It is good at the boring stuff, but I would not let it talk to customers on its own yet"),
        ),
        tags=("artificial-intelligence", "software", "small-business"),
        roles={"p1": "the chief executive", "p2": "analyst", "p3": "a bakery owner"},
        orgs={"o1": "tech", "o2": "bank"},
    ),
    Story(
        key="network-outage",
        section="technology",
        language="en",
        headlines=(
            "{o1s} outage leaves thousands without internet",
            "Broadband fault hits {city} homes and businesses",
            "{o1s} blames equipment failure for outage",
        ),
        leads=(
            "Tens of thousands of homes and businesses in and around {city} lost internet and phone service for up to {n_small} hours on {day} after an equipment failure at a {o1} exchange, the company said.",
            "An outage on the {o1} network cut broadband and mobile data for customers across {city} on {day}, disrupting card payments in shops and forcing some schools to send pupils home early.",
        ),
        paragraphs=(
            "{p1}, the company's network director, said a power fault had damaged equipment and a backup system had failed to switch on. Engineers restored service gradually through the afternoon.",
            "Businesses reported problems taking card payments, and a hospital said staff had switched to backup phone lines. {p2}, who runs a restaurant in the city centre, said the lunchtime trade had been badly affected.",
            "{p3}, a councillor who chairs the city's digital infrastructure committee, called for an independent review, saying the city had suffered {n_small2} significant outages in two years.",
            "The company said customers affected for more than {n_small2} hours would receive automatic compensation. It has promised to publish a report on the cause within a month.",
            "Telecom experts said the incident highlighted how much daily life now depends on a small number of network hubs, and the importance of tested backup power at each one.",
        ),
        quotes=(
            ("p1", "We know how disruptive this was and we apologise to every customer affected"),
            (
                "p2",
                "We had a full restaurant and no way to take payment. People were very understanding, but we lost money",
            ),
            ("p3", "Once is an accident. This keeps happening, and residents deserve answers"),
        ),
        tags=("telecoms", "outage", "broadband"),
        roles={"p1": "the network director", "p2": "a restaurant owner", "p3": "a councillor"},
        orgs={"o1": "telecom"},
    ),
    # ---------------------------------------------------------------- health
    Story(
        key="er-waits",
        section="health",
        language="en",
        headlines=(
            "Emergency waits at {o1s} reach record high",
            "Patients wait {n_small} hours in {city} emergency department",
            "Nurses warn of crisis as {o1s} waiting times soar",
        ),
        leads=(
            "Patients at {o1} in {city} waited an average of {n_small} hours to be seen in the emergency department last month, the longest on record, according to figures published on {day}.",
            "Emergency department waiting times at {o1} have hit a record, and nurses say staff are stretched to breaking point. The hospital's chief executive, {p1}, said the winter had been the hardest in years.",
        ),
        paragraphs=(
            "Only {pct} per cent of patients were admitted, transferred or discharged within four hours, against a target of {pct_hi} per cent. Ambulances regularly queued outside, and some patients were treated in corridors.",
            "{p1} said the main problem was a shortage of beds, as patients who were well enough to leave could not be discharged because care at home or in nursing homes was not available.",
            "{p2} of the {o2} said nurses were working extra shifts to cover vacancies. The association has called for higher pay and a commitment to safe staffing levels on every ward.",
            "{p3}, whose father waited {n_small2} hours on a trolley last week, said staff had been kind but overwhelmed. The family has filed a complaint with the hospital.",
            "The hospital has opened {n_small2} extra beds and is working with local authorities to speed up discharges. Officials said winter infections had added to pressure.",
        ),
        quotes=(
            ("p1", "Our staff are doing an extraordinary job in very difficult circumstances"),
            ("p2", "Nurses did not come into this profession to treat patients in corridors"),
            ("p3", "Nobody should have to wait that long, least of all an elderly man in pain"),
        ),
        tags=("hospitals", "waiting-times", "nursing"),
        roles={"p1": "the chief executive", "p2": "a representative", "p3": "a patient's relative"},
        orgs={"o1": "hospital", "o2": "union"},
    ),
    Story(
        key="drug-trial",
        section="health",
        language="en",
        headlines=(
            "Trial drug slows progression of rare lung disease",
            "{o2s} treatment shows promise in early trial",
            "Patients hopeful after {o1s} drug study",
        ),
        leads=(
            "An experimental drug developed by {o2} slowed the progression of a rare lung disease by {pct} per cent in a clinical trial led by {p1} at {o1}, researchers reported on {day}.",
            "Researchers at {o1} say a new treatment for a rare lung condition produced encouraging results in a trial involving {n_mid} patients, raising hopes for people with few options.",
        ),
        paragraphs=(
            "Patients who received the drug for {n_small} months lost lung function more slowly than those given a placebo. Side effects were mostly mild, although a small number of participants withdrew.",
            "{p1}, who led the trial, said the results justified a larger study, which is expected to begin next year at hospitals in several countries. Approval for wider use is at least {n_small2} years away.",
            "{p2}, a respiratory specialist who was not involved in the research, said the trial was well designed but relatively small, and that longer follow-up was needed to know whether the effect lasts.",
            "{p3}, {age}, took part in the trial and said daily life had become easier. Patient groups said the results offered hope but warned that the eventual cost of the treatment could limit access.",
            "{o2} paid for the trial, and several of the researchers have received consulting fees from the company, the paper discloses. The company's shares rose {pct2} per cent.",
        ),
        quotes=(
            ("p1", "This is the first time we have seen an effect of this size in this disease"),
            (
                "p2",
                "It is promising, but we have been here before with treatments that did not hold up in larger trials",
            ),
            ("p3", "I can walk to the shops again. For me, that is everything"),
        ),
        tags=("clinical-trials", "medicine", "research"),
        roles={"p1": "the lead investigator", "p2": "a respiratory specialist", "p3": "a trial participant"},
        orgs={"o1": "hospital", "o2": "pharma"},
    ),
    Story(
        key="measles",
        section="health",
        language="en",
        headlines=(
            "Measles cases rise in {city} as officials urge vaccination",
            "Health agency warns of measles outbreak",
            "{n_mid} measles cases confirmed in {city} area",
        ),
        leads=(
            "Health officials in {city} have confirmed {n_mid} cases of measles since the start of the year and urged parents to check their children's vaccination records, the {o1} said on {day}.",
            "The {o1} has declared a measles outbreak in {city} after {n_mid} cases were confirmed, most of them in children who had not received both doses of the vaccine.",
        ),
        paragraphs=(
            "{p1}, the agency's director of public health, said vaccination rates in some neighbourhoods had fallen below {pct_hi} per cent, well short of the level needed to prevent the virus spreading.",
            "Extra vaccination clinics will open at schools and community centres over the next {n_small} weeks. {p1} said appointments were free and that walk-ins would be welcome.",
            "{p2}, a family doctor in the city, said many parents had simply missed appointments during the pandemic rather than refusing vaccines, and that reminders were making a difference.",
            "Measles is highly contagious and can cause serious complications. {n_small2} children have been admitted to hospital, officials said, though none are in intensive care.",
            "The agency said it was also working with community leaders to address misinformation about vaccine safety, which has circulated widely on social media.",
        ),
        quotes=(
            (
                "p1",
                "Measles is completely preventable, and vaccination is the best protection for every child",
            ),
            ("p2", "Most parents I speak to want their children protected. They just need it to be easy"),
            (
                "p1",
                "We are seeing cases we should not be seeing in a country with a strong vaccination programme",
            ),
        ),
        tags=("measles", "vaccination", "public-health"),
        roles={"p1": "the director of public health", "p2": "a family doctor"},
        orgs={"o1": "health_agency"},
    ),
    # ---------------------------------------------------------------- culture
    Story(
        key="exhibition",
        section="culture",
        language="en",
        headlines=(
            "{o1s} opens major retrospective of painter {p2s}",
            "Retrospective celebrates {p2s}'s five decades of work",
            "Queues form as {p2s} exhibition opens in {city}",
        ),
        leads=(
            "The {o1} in {city} opened its largest exhibition in a decade on {day}, a retrospective of the painter {p2} that brings together more than {n_mid} works, many never shown in public.",
            "A retrospective of {p2}, one of the most influential painters of the last half-century, opened at the {o1} on {day}, and curator {p1} says it is the result of {n_small} years of work.",
        ),
        paragraphs=(
            "The works have been borrowed from private collections and museums in {n_small2} countries. {p1} said tracing some of the earliest paintings had involved detective work through auction records and family archives.",
            "{p2}, now {age}, attended the opening and spoke briefly, thanking the lenders and the gallery staff. The exhibition follows the artist's career from small street scenes to the vast abstract canvases of recent years.",
            "{p3}, an art critic, called the show generous and well paced, but said the final rooms felt crowded. The catalogue includes new essays and an extended interview with {p2}.",
            "The museum expects more than {n_big} visitors during the exhibition's run, which ends in {month}. Timed tickets are being used to manage demand after queues formed on the first morning.",
            "The exhibition is supported by private sponsors, and the museum said admission would be free on the first Sunday of each month to make it accessible to more residents.",
        ),
        quotes=(
            (
                "p1",
                "We wanted people to see the whole arc of a remarkable career, the doubts as well as the triumphs",
            ),
            ("p2", "Seeing these paintings together again is like meeting old friends I had forgotten"),
            (
                "p3",
                "It is a generous, intelligent show, even if it could have been a little braver in its editing",
            ),
        ),
        tags=("art", "exhibitions", "museums"),
        roles={"p1": "the curator", "p2": "the painter", "p3": "a critic"},
        orgs={"o1": "museum"},
    ),
    Story(
        key="film-festival",
        section="culture",
        language="en",
        headlines=(
            "{p1s} film wins top prize at {o1s}",
            "Debut feature takes {o1s} top award",
            "{o1s} closes with surprise winner",
        ),
        leads=(
            "A debut feature by director {p1} won the top prize at the {o1} on {day}, beating several established film-makers in what the jury called a close and passionate contest.",
            "The {o1} awarded its main prize on {day} to {p1} for a quiet family drama set in a coastal town, a choice jury president {p2} described as unanimous.",
        ),
        paragraphs=(
            "The film follows three generations of one family over a single summer. It was shot on a small budget over {n_small} weeks with a cast of mostly non-professional actors.",
            "{p1}, {age}, thanked the cast and said the film had nearly collapsed twice for lack of money. Distribution deals in {n_small2} countries were signed during the festival.",
            "{p2}, who chaired the jury, said the panel had been struck by the film's restraint and precision. Other prizes went to a documentary about migrant workers and an animated short.",
            "{p3}, a critic who attended the festival, said the programme had been the strongest in years, though attendance of {n_big} was still below the levels before the pandemic.",
            "The festival has sought to position itself as a launch pad for new directors, and organisers said a third of this year's selection were first or second features.",
        ),
        quotes=(
            ("p1", "We made this film with friends and almost no money. I cannot quite believe we are here"),
            ("p2", "It is a film that trusts its audience, and that is rarer than it should be"),
            ("p3", "This was a festival that took risks, and most of them paid off"),
        ),
        tags=("film", "festivals", "awards"),
        roles={"p1": "the director", "p2": "the jury president", "p3": "a critic"},
        orgs={"o1": "festival"},
    ),
    Story(
        key="theatre-funding",
        section="culture",
        language="en",
        headlines=(
            "{o1s} faces closure after losing funding",
            "Campaign launched to save {o1s}",
            "Theatre warns it could close within months",
        ),
        leads=(
            "The {o1}, one of {city}'s oldest theatres, says it could close within {n_small} months after the {o2} cut its annual grant by {pct} per cent, artistic director {p1} said on {day}.",
            "Actors, writers and audience members have launched a campaign to save the {o1} in {city}, which lost most of its public funding in a decision announced on {day}.",
        ),
        paragraphs=(
            "The grant covered about a third of the theatre's running costs. {p1} said ticket sales had recovered since the pandemic but could not make up the gap, and the theatre had already frozen recruitment.",
            "The {o2} said it had received applications worth {n_small2} times its available budget and had had to make painful choices. {p2}, its chair, said the theatre had been encouraged to apply for other schemes.",
            "A petition to restore the funding has gathered more than {n_big} signatures. {p3}, an actor who began their career at the theatre, said it had trained generations of performers from the region.",
            "The theatre runs workshops for schools and a youth company that reaches about {n_mid} young people a year. Those programmes would be the first to go, {p1} said.",
            "Local politicians from several parties have written to the {o2} asking it to reconsider. A decision on an appeal is expected in {month}.",
        ),
        quotes=(
            (
                "p1",
                "We are not asking for special treatment. We are asking for the chance to keep doing what we have done for a century",
            ),
            ("p2", "These were some of the hardest decisions we have ever had to make"),
            ("p3", "This building made me. Losing it would be a tragedy for the whole city"),
        ),
        tags=("theatre", "arts-funding"),
        roles={"p1": "the artistic director", "p2": "the chair", "p3": "an actor"},
        orgs={"o1": "theatre", "o2": "arts_council"},
    ),
    # ---------------------------------------------------------------- world
    Story(
        key="flood-relief",
        section="world",
        language="en",
        headlines=(
            "Aid reaches flood-hit villages in {country}",
            "Thousands displaced as floods sweep {country}",
            "Relief effort scales up after floods near {city}",
        ),
        leads=(
            "Aid convoys reached flood-hit villages near {city} on {day}, days after rivers burst their banks and forced about {n_big} people from their homes, according to the {o2}.",
            "Relief workers in {country} are racing to reach communities cut off by floods that have displaced an estimated {n_big} people, {p1} of {o1} said on {day}.",
        ),
        paragraphs=(
            "{p1}, who coordinates the response for {o1}, said clean water and shelter were the most urgent needs. Many wells have been contaminated, raising the risk of waterborne disease.",
            "The {o2} said it had delivered food and hygiene kits to {n_mid} families but that some areas could be reached only by boat. Damaged bridges have made road access difficult.",
            "{p2}, a local official, said at least {n_small} people had died and dozens were missing. Emergency shelters in schools and community halls were full, {p2} said.",
            "{p3}, a farmer whose fields were submerged, said the harvest had been lost. Aid groups warned that food prices could rise across the region in the coming months.",
            "The {o2} has appealed for {cur}{money} million to fund the response over the next three months. Donor governments have so far pledged less than half of that amount.",
        ),
        quotes=(
            (
                "p1",
                "People have lost everything. What they need now is water, shelter and someone to tell them what happens next",
            ),
            (
                "p2",
                "We are doing what we can, but the scale of this is beyond what any local authority can manage alone",
            ),
            ("p3", "The water came in the night. We saved the children and nothing else"),
        ),
        tags=("floods", "humanitarian-aid", "disaster"),
        roles={"p1": "the coordinator", "p2": "a local official", "p3": "a farmer"},
        orgs={"o1": "ngo_relief", "o2": "relief_agency"},
    ),
    Story(
        key="trade-talks",
        section="world",
        language="en",
        headlines=(
            "Trade talks resume with focus on tariffs",
            "Negotiators report progress in trade talks",
            "Business groups press for deal as talks continue",
        ),
        leads=(
            "Negotiators from {country} and a group of trading partners resumed talks on {day} aimed at lowering tariffs on farm goods and machinery, with chief negotiator {p1} saying a deal was possible by the end of {year}.",
            "Trade talks involving {country} entered a new round on {day}, and {p1}, who leads the delegation, said both sides had narrowed their differences on agricultural quotas.",
        ),
        paragraphs=(
            "The talks, held in {city}, cover goods worth about {cur}{money} million a year. The most difficult issues are quotas for beef and dairy and rules on where components must be made.",
            "{p1} said negotiators had agreed on chapters covering customs procedures and small businesses, and that the remaining gaps were political rather than technical.",
            "{p2}, who heads the {o1}, said exporters were losing business to competitors with better market access and urged both sides to compromise.",
            "Farm groups have staged protests outside the venue, warning that cheaper imports would undercut local producers. {p3}, a dairy farmer, said smaller farms would not survive without protection.",
            "Previous rounds have stalled over the same issues. Officials said the next meeting would take place within {n_small} weeks and that ministers might join if progress continued.",
        ),
        quotes=(
            ("p1", "We are closer than we have ever been, but the last mile is always the hardest"),
            ("p2", "Every month without a deal costs exporters real money"),
            ("p3", "They talk about growth, but nobody in those rooms milks cows at five in the morning"),
        ),
        tags=("trade", "diplomacy", "tariffs"),
        roles={"p1": "the chief negotiator", "p2": "the head", "p3": "a dairy farmer"},
        orgs={"o1": "business_group"},
    ),
    Story(
        key="election-observers",
        section="world",
        language="en",
        headlines=(
            "Observers say vote in {country} region was largely orderly",
            "Election monitors report irregularities in some districts",
            "{o1s} publishes preliminary verdict on regional election",
        ),
        leads=(
            "International observers said on {day} that regional elections around {city} had been largely peaceful and well organised, but noted irregularities in {n_small} districts, according to a preliminary report by the {o1}.",
            "The {o1}, which deployed {n_mid} monitors for the regional vote, said the election had been competitive and orderly, though mission head {p1} called for improvements to the voter register.",
        ),
        paragraphs=(
            "{p1}, who led the mission, said voting had proceeded smoothly in most polling stations visited. Problems included outdated voter lists and delays in opening some stations in rural areas.",
            "Turnout was {pct} per cent, according to the electoral commission, higher than at the previous regional elections. Counting was expected to finish within {n_small2} days.",
            "{p2}, a political analyst, said the observers' findings were broadly positive but that the real test would be how complaints were handled in the coming weeks.",
            "Several candidates have filed complaints alleging vote buying, which election officials said would be investigated. The observers said they had not been able to verify the allegations.",
            "The final report, including recommendations, is due within {n_small2} months. The mission said it had met candidates, officials and civil society groups before the vote.",
        ),
        quotes=(
            ("p1", "Voters turned out in large numbers and were able to express their choice freely"),
            (
                "p2",
                "Elections are not just about the day itself. What happens to complaints matters just as much",
            ),
            ("p1", "The voter register needs urgent attention before the next national vote"),
        ),
        tags=("elections", "democracy", "observers"),
        roles={"p1": "the head of the mission", "p2": "a political analyst"},
        orgs={"o1": "ngo_observer"},
    ),
    # ---------------------------------------------------------------- environment
    Story(
        key="river-pollution",
        section="environment",
        language="en",
        headlines=(
            "Sewage spills into river near {city} prompt investigation",
            "{o1s} under fire over river pollution",
            "Campaigners find high bacteria levels in river",
        ),
        leads=(
            "The {o3} has opened an investigation into {o1} after campaigners recorded bacteria levels {n_small} times above the safe limit in a river near {city}, the regulator said on {day}.",
            "Water samples collected by volunteers from the {o2} show repeated sewage spills into a river that runs through {city}, and campaigner {p1} says the utility {o1} has failed to act.",
        ),
        paragraphs=(
            "Volunteers took samples at {n_small2} points along the river over {n_small} months. {p1} said the highest readings came after heavy rain, when storm overflows release untreated sewage.",
            "{p2}, a spokesperson for {o1}, said the company was investing {cur}{money} million in upgrades to its treatment works and that spills had fallen by {pct} per cent since last year.",
            "{p3}, an official at the {o3}, said the investigation would examine whether the company had breached the conditions of its permits. Penalties could include fines and orders to carry out improvements.",
            "Anglers and swimmers said the river had become visibly worse. Local schools have stopped taking pupils on field trips to the water, citing health concerns.",
            "The river is a designated habitat for protected fish, and ecologists warned that repeated pollution could undo years of restoration work along its banks.",
        ),
        quotes=(
            ("p1", "People should be able to swim in their local river without worrying about getting sick"),
            ("p2", "We know we have more to do and we are investing at record levels to do it"),
            ("p3", "If the evidence shows the rules were broken, we will not hesitate to act"),
        ),
        tags=("water-pollution", "rivers", "sewage"),
        roles={"p1": "the campaigner", "p2": "a spokesperson", "p3": "an official"},
        orgs={"o1": "utility", "o2": "ngo_env", "o3": "env_regulator"},
    ),
    Story(
        key="wind-farm",
        section="environment",
        language="en",
        headlines=(
            "Offshore wind farm near {city} wins approval",
            "{o1s} gets go-ahead for {n_small2}-turbine wind farm",
            "Wind farm approved despite objections from residents",
        ),
        leads=(
            "Planning authorities approved a {n_mid}-megawatt wind farm off the coast near {city} on {day}, clearing the way for {o1} to begin construction next year in a project worth {cur}{money} million.",
            "{o1} has won approval for a wind farm that could power around {n_big} homes, its managing director {p1} said on {day}, after a planning process lasting more than {n_small} years.",
        ),
        paragraphs=(
            "The project will have {n_small2} turbines and is expected to start generating electricity in {year}. {p1} said the company would use local ports for assembly, creating several hundred construction jobs.",
            "{p2}, who leads a residents' group opposed to the scheme, said the turbines would spoil views and damage tourism. The group is considering an appeal.",
            "Conservation groups had raised concerns about seabirds, and the approval includes conditions on turbine height and monitoring of bird populations for {n_small} years.",
            "The government has set a target of generating {pct} per cent of electricity from renewable sources by {year}. Projects like this one are central to that goal, officials said.",
            "{p3}, an energy analyst, said the decision was a signal to investors, but that grid connections remained a bottleneck and some projects were waiting years to be connected.",
        ),
        quotes=(
            ("p1", "This is clean, home-grown power for hundreds of thousands of households"),
            ("p2", "Nobody asked the people who actually live here what they wanted"),
            (
                "p3",
                "Permission is only half the battle. Without grid capacity, turbines are just expensive sculptures",
            ),
        ),
        tags=("renewable-energy", "wind-power", "planning"),
        roles={"p1": "the managing director", "p2": "a residents' group leader", "p3": "an energy analyst"},
        orgs={"o1": "energy"},
    ),
    Story(
        key="bird-survey",
        section="environment",
        language="en",
        headlines=(
            "Wetland bird numbers rise for third year",
            "Survey finds rare waders returning to restored marsh",
            "Volunteers count record number of birds",
        ),
        leads=(
            "Volunteers counting birds at wetlands near {city} recorded {n_big} birds this winter, the highest total in a decade, according to figures released on {day} by the {o1}.",
            "A restored marsh near {city} is attracting rare wading birds in growing numbers, the {o1} said on {day}, crediting years of work to raise water levels and remove invasive plants.",
        ),
        paragraphs=(
            "{p1}, an ecologist with the trust, said numbers of several declining species had risen sharply, including {n_mid} pairs of a wader that had almost disappeared from the area.",
            "More than {n_mid2} volunteers took part in the count, which is carried out on the same weekend each year. {p2}, who has taken part for {n_small} years, said the change had been remarkable.",
            "The trust bought the land {n_small2} years ago from a farming family and has worked with neighbouring farmers to reduce fertiliser run-off into the marsh.",
            "Not all the news was good. Numbers of some ducks fell, which {p1} said could reflect milder winters further north, meaning fewer birds need to migrate.",
            "The trust plans to open a new hide and walking trail in the spring. Funding for the next phase of restoration is still being sought.",
        ),
        quotes=(
            ("p1", "It shows what nature can do if you give it room and a bit of time"),
            ("p2", "When I started, we would count a handful. Now the sky is full of them"),
            ("p1", "We should not get complacent. These gains are fragile"),
        ),
        tags=("wildlife", "birds", "conservation"),
        roles={"p1": "an ecologist", "p2": "a volunteer"},
        orgs={"o1": "conservation"},
    ),
    # ---------------------------------------------------------------- crime
    Story(
        key="fraud-trial",
        section="crime",
        language="en",
        headlines=(
            "Former {o1s} finance director convicted of fraud",
            "{p1s} found guilty in {cur}{money}m fraud case",
            "Jury convicts executive over false accounts",
        ),
        leads=(
            "A jury in {city} on {day} convicted {p1}, the former finance director of {o1}, of fraud after a trial that heard the company's accounts had been inflated by {cur}{money} million over {n_small} years.",
            "{p1}, who was finance director at {o1} until the company collapsed, was found guilty of fraud and false accounting on {day} after a trial lasting {n_small2} weeks.",
        ),
        paragraphs=(
            "Prosecutors told the court that {p1} had booked sales that did not exist and hidden losses in a network of subsidiaries. {p2}, leading the prosecution, said the scheme had deceived investors, lenders and staff.",
            "{p1}, {age}, denied the charges and told the jury that the accounts had been approved by auditors and the board. The defence argued that others at the company had been responsible.",
            "When {o1} collapsed, about {n_big} employees lost their jobs and small shareholders lost their savings. Several former workers watched the verdict from the public gallery.",
            "Judge {p3} said sentencing would take place next month and warned that a prison term was likely. {p1} was granted bail until then.",
            "The case has prompted calls for tougher oversight of auditors. Regulators are separately investigating the firm that signed off the accounts.",
        ),
        quotes=(
            (
                "p2",
                "This was a deliberate, sustained deception that destroyed a company and the livelihoods of thousands",
            ),
            (
                "p3",
                "The jury has reached its verdict, and the court will consider all the circumstances before sentencing",
            ),
            ("p1", "I have always maintained my innocence and I will be considering an appeal"),
        ),
        tags=("fraud", "courts", "corporate-crime"),
        roles={"p1": "the former finance director", "p2": "the prosecutor", "p3": "the judge"},
        orgs={"o1": "company"},
    ),
    Story(
        key="burglaries",
        section="crime",
        language="en",
        headlines=(
            "Police appeal for help after spate of burglaries in {city}",
            "Burglaries rise in {city} suburbs",
            "{n_mid} homes targeted in burglary wave, police say",
        ),
        leads=(
            "Police in {city} have appealed for information after {n_mid} homes were burgled in {n_small} weeks, most of them during the early evening while residents were out, Detective Inspector {p1} said on {day}.",
            "A wave of burglaries in the suburbs of {city} has prompted police to step up patrols. Detective Inspector {p1}, who is leading the inquiry, said officers believed a small group was responsible.",
        ),
        paragraphs=(
            "Thieves have mainly taken jewellery, cash and small electronic items, often entering through back doors or windows. {p1} said several of the burglaries appeared to have been planned in advance.",
            "{n_small2} people have been arrested and released on bail while inquiries continue. Police have also recovered property, which they hope to return to its owners.",
            "{p2}, whose home was burgled last week, said the family no longer felt safe. The thieves had taken jewellery that belonged to a grandmother and could never be replaced.",
            "{p3} of the {o1} said neighbours were organising to keep an eye on each other's homes and share information with police through a messaging group.",
            "Police advised residents to leave lights on timers, lock doors and windows even when at home, and to report any suspicious vehicles or people.",
        ),
        quotes=(
            ("p1", "We are determined to find those responsible, and we need the public's help to do that"),
            ("p2", "You can replace a television. You cannot replace your grandmother's ring"),
            ("p3", "The best deterrent is a street where people look out for each other"),
        ),
        tags=("burglary", "police", "appeal"),
        roles={"p1": "the detective", "p2": "a resident", "p3": "a coordinator"},
        orgs={"o1": "community"},
    ),
    Story(
        key="cyber-fraud",
        section="crime",
        language="en",
        headlines=(
            "{n_small} arrested over online banking scam",
            "Police dismantle phone scam network targeting pensioners",
            "Scam gang stole {cur}{money_s}m from bank customers, police say",
        ),
        leads=(
            "Police arrested {n_small} people in raids across {city} on {day} on suspicion of running a scam that tricked bank customers into transferring about {cur}{money_s} million, investigators said.",
            "A network suspected of impersonating staff at {o1} to steal from elderly customers has been dismantled, investigator {p1} said on {day}, after raids at {n_small2} addresses.",
        ),
        paragraphs=(
            "The suspects allegedly called victims pretending to be from the bank's fraud department and persuaded them to move savings into accounts they controlled. {p1} said more than {n_mid} victims had been identified.",
            "Officers seized phones, computers and cash. The money was moved quickly through a chain of accounts, {p1} said, and investigators were working with banks abroad to trace it.",
            "{p2}, a spokesperson for {o1}, said the bank would never ask customers to transfer money to keep it safe and urged anyone who received such a call to hang up.",
            "{p3}, {age}, lost most of a lifetime's savings in the scam and said the caller had known personal details and sounded completely convincing.",
            "Consumer groups have called on banks to reimburse victims of such scams in full, arguing that the sophistication of the criminals leaves customers with little chance.",
        ),
        quotes=(
            (
                "p1",
                "These criminals deliberately targeted some of the most vulnerable people in our community",
            ),
            (
                "p2",
                "If someone calls and asks you to move your money, it is a scam. Hang up and call us on a number you trust",
            ),
            ("p3", "He knew my name, my account, everything. I had no idea"),
        ),
        tags=("fraud", "scams", "banking"),
        roles={"p1": "the investigator", "p2": "a spokesperson", "p3": "a victim"},
        orgs={"o1": "bank"},
    ),
    # ---------------------------------------------------------------- weather
    Story(
        key="heatwave",
        section="weather",
        language="en",
        headlines=(
            "Heat warning issued as temperatures near {temp_hi}C",
            "{city} swelters in record heat",
            "Officials urge caution as heatwave grips {city}",
        ),
        leads=(
            "The {o1} issued its highest heat warning for {city} on {day}, with temperatures forecast to reach {temp_hi}C, and health officials urged residents to avoid the midday sun.",
            "Temperatures in {city} climbed to {temp_hi}C on {day}, setting a record for the time of year, and forecaster {p1} of the {o1} said the heat would persist for at least {n_small} more days.",
        ),
        paragraphs=(
            "{p1} said a high-pressure system had stalled over the region, trapping hot air. Night-time temperatures were not expected to fall much below {n_small2}C, giving little relief.",
            "{p2}, a public health official, said older people, young children and those with heart or lung conditions were most at risk. Cooling centres have opened in libraries and community halls.",
            "Water companies asked customers to use water sparingly, and several outdoor events were cancelled. Rail operators imposed speed restrictions because of the risk of tracks buckling.",
            "Hospitals reported a rise in heat-related admissions. Emergency services said they had responded to several grass fires on the edge of the city.",
            "The heat is expected to break by the weekend, when thunderstorms could bring heavy rain and a risk of flash flooding, {p1} said.",
        ),
        quotes=(
            ("p1", "This is a prolonged and dangerous spell of heat, and people should take it seriously"),
            (
                "p2",
                "Check on your neighbours, drink plenty of water and stay out of the sun in the hottest hours",
            ),
            ("p1", "Heat like this used to be rare. It is becoming a regular feature of our summers"),
        ),
        tags=("heatwave", "forecast", "public-health"),
        roles={"p1": "the forecaster", "p2": "a public health official"},
        orgs={"o1": "weather_service"},
    ),
    Story(
        key="storm",
        section="weather",
        language="en",
        headlines=(
            "Storm brings {wind}km/h winds and power cuts",
            "Thousands without power as storm hits {city}",
            "Storm warning extended as winds batter coast",
        ),
        leads=(
            "A storm brought winds of up to {wind} km/h to the coast near {city} on {day}, bringing down trees and leaving about {n_big} homes without power, according to {o2}.",
            "The {o1} extended its storm warning for {city} on {day} as gusts of {wind} km/h and heavy rain caused flooding, travel disruption and widespread power cuts.",
        ),
        paragraphs=(
            "{p1}, a forecaster at the {o1}, said the storm had deepened rapidly as it approached the coast. Up to {rain_mm} millimetres of rain fell in some places within {n_small2} hours.",
            "{o2} said engineers were working to restore power but that fallen trees were blocking access to some lines. Most customers should be reconnected within {n_small} days.",
            "{p2}, who coordinates the city's emergency response, said crews had dealt with more than {n_mid} incidents, mainly fallen trees and flooded roads. Several schools closed as a precaution.",
            "Ferry services were cancelled and flights delayed. Rail operators ran reduced timetables and warned passengers to check before travelling.",
            "Residents in low-lying areas were advised to move valuables upstairs. Sandbags were distributed at fire stations, and emergency shelters were opened for those forced from their homes.",
        ),
        quotes=(
            (
                "p1",
                "This is a dangerous storm, and people should avoid travel unless it is absolutely necessary",
            ),
            (
                "p2",
                "Our crews have been working through the night and will continue until every road is safe",
            ),
            ("p1", "Conditions will ease tomorrow, but river levels will stay high for several days"),
        ),
        tags=("storm", "power-cuts", "flooding"),
        roles={"p1": "a forecaster", "p2": "the emergency coordinator"},
        orgs={"o1": "weather_service", "o2": "utility"},
    ),
    Story(
        key="snow",
        section="weather",
        language="en",
        headlines=(
            "Heavy snow disrupts travel in {city}",
            "Trains cancelled and schools shut as snow falls",
            "Commuters stranded as snow blankets {city}",
        ),
        leads=(
            "Heavy snow fell across {city} on {day}, closing schools, cancelling trains and leaving drivers stranded, as temperatures dropped to {temp_lo}C overnight.",
            "Commuters in {city} faced a difficult journey on {day} after up to {n_small2} centimetres of snow fell overnight, and {o2} cancelled most services on its main routes.",
        ),
        paragraphs=(
            "{p1}, operations director at {o2}, said frozen points and fallen branches had made it impossible to run a normal timetable. Buses were laid on where possible.",
            "The {o1} said more snow was forecast for the evening and warned of ice on untreated roads. Temperatures are expected to stay below freezing for {n_small} days.",
            "{p2}, a nurse who was trying to reach the hospital for a night shift, said the journey had taken {n_small} hours. Hospital managers said some staff had stayed overnight to cover shifts.",
            "Gritting teams worked through the night, and the city council said it had {n_mid} tonnes of salt in reserve. Residents were asked to clear paths outside their homes.",
            "Children took advantage of the closures, and parks filled with sledges and snowmen by mid-morning.",
        ),
        quotes=(
            (
                "p1",
                "Our priority is to get people moving again safely, and we will add services as soon as conditions allow",
            ),
            ("p2", "I left home at dawn and I still do not know when I will get there"),
            ("p1", "We ask passengers to travel only if they really need to"),
        ),
        tags=("snow", "travel-disruption", "winter"),
        roles={"p1": "the operations director", "p2": "a nurse"},
        orgs={"o1": "weather_service", "o2": "transport"},
    ),
    # ---------------------------------------------------------------- education
    Story(
        key="teacher-strike",
        section="education",
        language="en",
        headlines=(
            "Teachers strike over pay in {city}",
            "Schools close as teachers walk out",
            "Talks fail to avert teachers' strike",
        ),
        leads=(
            "Hundreds of schools in and around {city} closed or partially closed on {day} as teachers went on strike over pay and workload, the {o1} said.",
            "Teachers in {city} walked out on {day} after last-minute talks with the {o2} broke down, and {p1}, who leads the {o1}, said further strikes were planned.",
        ),
        paragraphs=(
            "The union is seeking a pay rise of {pct} per cent, arguing that teachers' salaries have fallen in real terms over a decade. The {o2} has offered {pct2} per cent.",
            "{p1} said teachers were leaving the profession in large numbers and that schools could not recruit enough staff in subjects such as maths and physics.",
            "{p2}, a senior official at the {o2}, said the offer was fair and affordable and that a larger rise would mean cuts elsewhere in school budgets.",
            "{p3}, a parent of two primary school children, said the strike had meant taking a day off work but that the family supported the teachers.",
            "The union has announced {n_small} further strike days over the next month unless an improved offer is made. Exam classes will be exempt.",
        ),
        quotes=(
            ("p1", "No teacher wants to strike. But we cannot stand by while the profession is hollowed out"),
            ("p2", "We have made a fair offer and our door remains open"),
            (
                "p3",
                "It is inconvenient, but I would rather my children were taught by teachers who want to stay",
            ),
        ),
        tags=("strikes", "teachers", "pay"),
        roles={"p1": "the union leader", "p2": "a senior official", "p3": "a parent"},
        orgs={"o1": "union", "o2": "school_board"},
    ),
    Story(
        key="tuition",
        section="education",
        language="en",
        headlines=(
            "{o1s} raises tuition fees by {pct2} per cent",
            "Students protest fee rise at {o1s}",
            "University defends tuition increase",
        ),
        leads=(
            "{o1} will raise tuition fees by {pct2} per cent from the next academic year, vice-chancellor {p1} announced on {day}, blaming rising costs and a fall in government funding.",
            "Students at {o1} protested on {day} against a planned {pct2} per cent rise in tuition fees, which the university's leadership says is needed to balance its budget.",
        ),
        paragraphs=(
            "{p1} said the university faced a deficit of {cur}{money} million and had already cut spending on buildings and administration. Without the increase, teaching posts would be at risk.",
            "{p2}, president of the {o2}, said many students were already working long hours to cover living costs and that higher fees would deter applicants from poorer backgrounds.",
            "The university said it would expand bursaries, so that about {pct} per cent of students would receive some financial support. Critics said the expansion did not go far enough.",
            "Several hundred students gathered outside the main administration building. The protest was peaceful, and a delegation met university officials.",
            "Universities across {country} are under financial pressure, with several announcing job cuts in recent months. Sector bodies have called for a review of funding.",
        ),
        quotes=(
            (
                "p1",
                "This is not a decision we take lightly, but we have a responsibility to keep the university sustainable",
            ),
            ("p2", "Education should open doors, not price people out"),
            ("p1", "We will make sure that no student is forced to leave for financial reasons"),
        ),
        tags=("universities", "tuition", "students"),
        roles={"p1": "the vice-chancellor", "p2": "the president"},
        orgs={"o1": "university", "o2": "student_union"},
    ),
    Story(
        key="exam-results",
        section="education",
        language="en",
        headlines=(
            "{o1s} celebrates best exam results in its history",
            "Pupils at {o1s} beat national average",
            "Former struggling school posts record results",
        ),
        leads=(
            "Pupils at {o1} in {city} achieved the best exam results in the school's history, with {pct} per cent gaining top grades, head teacher {p1} said on {day}.",
            "{o1}, which was placed under special measures {n_small} years ago, has posted record exam results, and head teacher {p1} credits a focus on reading and attendance.",
        ),
        paragraphs=(
            "{p1} said the school had introduced daily reading sessions, extra tutoring and a mentoring programme for pupils at risk of falling behind. Attendance has risen to {pct_hi} per cent.",
            "{p2}, who gained top marks in mathematics and physics, plans to study engineering. {p2} said teachers had given up lunch breaks to run revision classes.",
            "About {pct2} per cent of pupils at the school qualify for free meals, well above the national average. Researchers say schools serving poorer areas face particular challenges.",
            "Inspectors rated the school as good at its last visit, praising leadership and the behaviour of pupils. The school now plans to share its approach with others nearby.",
            "Nationally, results were broadly similar to last year, although the gap between schools in richer and poorer areas widened slightly.",
        ),
        quotes=(
            ("p1", "These results belong to the pupils and to staff who never stopped believing in them"),
            ("p2", "I did not think I was good at maths until two years ago"),
            ("p1", "We have shown what is possible, and we are not finished yet"),
        ),
        tags=("exams", "schools", "results"),
        roles={"p1": "the head teacher", "p2": "a pupil"},
        orgs={"o1": "school"},
    ),
)

# --------------------------------------------------------------------------------------------------
# Stories in German, French, Spanish, Italian and Dutch: two each
# --------------------------------------------------------------------------------------------------

LANGUAGE_EXTRAS: dict[str, tuple[str, ...]] = {  # generic background paragraphs for the non-English stories
    "de": (
        "Die Entwicklung in {city} wird auch in anderen Städten aufmerksam verfolgt. In {city2} stehen Verwaltung und Politik vor ähnlichen Fragen, eine Entscheidung dort wird für die kommenden Monate erwartet.",
        "{Src} hat alle genannten Beteiligten um eine Stellungnahme gebeten. Nicht alle haben bis Redaktionsschluss geantwortet; weitere Reaktionen werden in diesem Artikel ergänzt.",
        "Wie es weitergeht, ist offen. Nach Angaben aus Verwaltungskreisen sollen die Einzelheiten bis Ende {month} vorliegen. Bis dahin dürfte die Debatte in {city} kaum abebben.",
    ),
    "fr": (
        "La situation est suivie de près à {city2}, où les élus sont confrontés à des questions similaires et attendent de voir comment évolue le dossier avant de prendre leurs propres décisions.",
        "{Src} a sollicité l'ensemble des acteurs cités dans cet article. Tous n'avaient pas répondu au moment de la publication ; leurs réactions seront ajoutées le cas échéant.",
        "Les prochaines semaines seront décisives. Un bilan détaillé doit être présenté d'ici à la fin du mois de {month}, a-t-on appris auprès des services concernés à {city}.",
    ),
    "es": (
        "La situación se sigue con atención en {city2}, donde las autoridades afrontan problemas similares y han reconocido en privado que esperan ver cómo evoluciona el asunto antes de tomar decisiones.",
        "{Src} se puso en contacto con todas las partes mencionadas en este artículo. No todas habían respondido en el momento de la publicación; sus reacciones se añadirán cuando lleguen.",
        "Las próximas semanas serán decisivas. Según fuentes municipales de {city}, antes de que acabe {month} se presentará un informe detallado con las cifras y los plazos previstos.",
    ),
    "it": (
        "La vicenda è seguita con attenzione anche a {city2}, dove le istituzioni affrontano problemi simili e attendono di capire come si evolverà la situazione prima di prendere decisioni.",
        "{Src} ha contattato tutte le parti citate in questo articolo. Non tutte avevano risposto al momento della pubblicazione; eventuali repliche saranno aggiunte in seguito.",
        "Le prossime settimane saranno decisive. Secondo fonti del Comune di {city}, entro la fine di {month} sarà presentato un resoconto dettagliato con cifre e tempi.",
    ),
    "nl": (
        "Ook in {city2} wordt de ontwikkeling nauwlettend gevolgd. Daar spelen vergelijkbare vragen, en bestuurders willen eerst zien hoe de situatie zich ontwikkelt voordat zij zelf besluiten nemen.",
        "{Src} heeft alle genoemde partijen om een reactie gevraagd. Niet iedereen had op het moment van publicatie gereageerd; reacties worden alsnog aan dit artikel toegevoegd.",
        "De komende weken worden beslissend. Volgens ingewijden in {city} wordt voor het einde van {month} een uitgebreid overzicht met cijfers en een tijdpad gepresenteerd.",
    ),
}

FOREIGN_STORIES: tuple[Story, ...] = (
    Story(
        key="de-haushalt",
        section="politics",
        language="de",
        headlines=(
            "Stadtrat {city} beschließt Haushalt mit Straßenbahn-Ausbau",
            "{p1s} setzt Haushalt durch – Opposition spricht von Schuldenpolitik",
        ),
        leads=(
            "Der Stadtrat von {city} hat am {day} nach einer mehr als {n_small}-stündigen Debatte den Haushalt für das kommende Jahr beschlossen. {p1}, {p1r} und Mitglied im {o1}, sprach von einem „Haushalt der Investitionen“.",
            "Mit knapper Mehrheit hat der Stadtrat in {city} am {day} einen Haushalt über {money} Millionen Euro verabschiedet. Kernstück ist die Verlängerung der Straßenbahn in den Osten der Stadt, für die sich {p1} seit Jahren einsetzt.",
        ),
        paragraphs=(
            "Für die neue Straßenbahnlinie sind in den nächsten {n_small2} Jahren rund {money2} Millionen Euro vorgesehen. {p1} verwies darauf, dass Bund und Land einen Großteil der Kosten übernehmen würden.",
            "Die Opposition um das {o2} stimmte geschlossen gegen den Entwurf. {p2}, {p2r}, kritisierte, die Stadt nehme neue Kredite auf, ohne an anderer Stelle zu sparen. Die Verschuldung steige damit auf einen Rekordwert.",
            "Auch die Grundsteuer soll um {pct2} Prozent steigen. {p3}, {p3r}, warnte, dass Mieterinnen und Mieter die Erhöhung über die Nebenkosten zu spüren bekämen.",
            "Neben der Straßenbahn enthält der Haushalt Mittel für die Sanierung von {n_small} Schulen und zwei Schwimmbädern. Die Verwaltung hatte zuvor einen Investitionsstau von mehreren hundert Millionen Euro beziffert.",
            "Der Haushalt muss noch von der Kommunalaufsicht genehmigt werden. {p1} zeigte sich zuversichtlich, dass dies bis Ende {month} geschehen werde.",
            "Über den Haushalt war monatelang gestritten worden. Mehr als {n_mid} Bürgerinnen und Bürger hatten sich an einer Online-Befragung beteiligt; die Mehrheit sprach sich für Investitionen in Schulen und Nahverkehr aus, lehnte aber höhere Abgaben ab.",
            "Beobachter rechnen damit, dass der Streit um die Finanzen auch den nächsten Kommunalwahlkampf prägen wird. Sowohl das {o1} als auch das {o2} haben angekündigt, die Haushaltspolitik zum zentralen Thema zu machen.",
        ),
        quotes=(
            (
                "p1",
                "Wir investieren in Bus und Bahn, in Schulen und Bäder – das ist Politik für die nächste Generation",
            ),
            ("p2", "Dieser Haushalt lebt auf Pump, und die Rechnung zahlen unsere Kinder"),
            ("p3", "Am Ende landet jede Steuererhöhung bei denen, die ohnehin wenig haben"),
        ),
        tags=("kommunalpolitik", "haushalt", "verkehr"),
        roles={
            "p1": ("Kämmerer", "Kämmerin"),
            "p2": ("Fraktionsvorsitzender", "Fraktionsvorsitzende"),
            "p3": ("Sprecher des Mietervereins", "Sprecherin des Mietervereins"),
        },
        orgs={"o1": "de_party", "o2": "de_party"},
    ),
    Story(
        key="de-stellenabbau",
        section="business",
        language="de",
        headlines=(
            "{o1s} streicht {n_mid} Stellen in {city}",
            "Stellenabbau bei {o1s}: Gewerkschaft kündigt Widerstand an",
        ),
        leads=(
            "Der Maschinenbauer {o1} will an seinem Stammsitz in {city} rund {n_mid} Arbeitsplätze abbauen. Das teilte {p1}, {p1r} des Unternehmens, am {day} mit und begründete den Schritt mit der schwachen Nachfrage.",
            "Beim Zulieferer {o1} in {city} stehen {n_mid} Stellen auf der Kippe. Die Geschäftsführung um {p1} kündigte am {day} ein Sparprogramm an, die {o2} reagierte mit scharfer Kritik.",
        ),
        paragraphs=(
            "Der Umsatz von {o1} ist im vergangenen Jahr um {pct} Prozent gesunken. Vor allem Kunden aus der Autoindustrie hätten Aufträge verschoben oder storniert, sagte {p1}.",
            "Der Abbau soll bis Ende {year} abgeschlossen sein und möglichst ohne betriebsbedingte Kündigungen erfolgen. Geplant seien Abfindungen, Altersteilzeit und Wechsel an andere Standorte.",
            "{p2}, {p2r} der {o2}, nannte die Pläne unverantwortlich. Das Unternehmen habe jahrelang gute Gewinne gemacht und dürfe die Belegschaft jetzt nicht im Stich lassen.",
            "Die Stadt {city} zeigte sich besorgt. {o1} ist mit rund {n_big} Beschäftigten einer der größten Arbeitgeber der Region. {p3}, {p3r}, kündigte Gespräche mit der Geschäftsführung an.",
            "Branchenexperten sehen den Fall als Teil eines größeren Trends: Viele mittelständische Zulieferer kämpfen mit hohen Energiekosten und dem Wandel zur Elektromobilität.",
            "Am Standort {city} hatte {o1} erst vor {n_small} Jahren eine neue Fertigungshalle eröffnet. Damals sei von Wachstum und zusätzlichen Arbeitsplätzen die Rede gewesen, erinnerte {p2}.",
            "Der Betriebsrat will in den kommenden Wochen mit der Geschäftsführung über einen Sozialplan verhandeln. Für den kommenden {day} ist eine Betriebsversammlung angesetzt, zu der Hunderte Beschäftigte erwartet werden.",
        ),
        quotes=(
            (
                "p1",
                "Wir haben uns diese Entscheidung nicht leicht gemacht, aber wir müssen das Unternehmen zukunftsfest aufstellen",
            ),
            ("p2", "Die Beschäftigten haben in der Krise verzichtet – jetzt sollen sie die Zeche zahlen"),
            ("p3", "Wir werden alles tun, um die Arbeitsplätze in unserer Stadt zu halten"),
        ),
        tags=("wirtschaft", "arbeitsplätze", "industrie"),
        roles={
            "p1": ("Vorstandschef", "Vorstandschefin"),
            "p2": ("Bezirksleiter", "Bezirksleiterin"),
            "p3": ("Oberbürgermeister", "Oberbürgermeisterin"),
        },
        orgs={"o1": "de_company", "o2": "de_union"},
    ),
    Story(
        key="fr-festival",
        section="culture",
        language="fr",
        headlines=(
            "Le {o1s} bat son record de fréquentation à {city}",
            "{city} : le {o1s} attire {n_big} spectateurs",
        ),
        leads=(
            "Le {o1} a refermé ses portes {day} à {city} sur un record : {n_big} spectateurs en {n_small} jours, selon {p1}, {p1r} de la manifestation.",
            "Pour sa nouvelle édition, le {o1} a attiré un public record à {city}. {p1}, {p1r}, s'est félicité{p1e} {day} d'un succès qui dépasse toutes les prévisions.",
        ),
        paragraphs=(
            "La programmation réunissait {n_mid} spectacles, dont une trentaine de créations. Plusieurs représentations en plein air ont dû être ajoutées pour répondre à la demande, a précisé {p1}.",
            "{p2}, {p2r}, a salué une édition « audacieuse », tout en regrettant la hausse du prix des billets, passé en moyenne à {n_mid2} euros.",
            "Le budget du festival s'élève à {money_s} millions d'euros, financé pour moitié par les collectivités. La région a annoncé une aide supplémentaire pour les trois prochaines années.",
            "Les commerçants du centre-ville se réjouissent également. {p3}, qui tient un café près de la scène principale, évoque un chiffre d'affaires en hausse de {pct} %.",
            "Les organisateurs travaillent déjà à l'édition suivante, qui mettra à l'honneur les jeunes compagnies de la région et proposera davantage de spectacles gratuits.",
            "Créé il y a une vingtaine d'années par une poignée de bénévoles, le festival emploie aujourd'hui {n_small2} permanents et fait travailler plusieurs centaines d'intermittents chaque été.",
            "Pour {p1}, ce succès ne doit pas masquer les difficultés du secteur : la hausse des coûts techniques et de l'énergie pèse lourdement sur les compagnies, dont beaucoup peinent à boucler leur budget.",
        ),
        quotes=(
            (
                "p1",
                "Le public a répondu présent au-delà de nos espérances, c'est une immense fierté pour toute l'équipe",
            ),
            ("p2", "Le festival a pris des risques artistiques, et le public l'a suivi"),
            ("p3", "Pendant dix jours, la ville vit au rythme du festival, et tout le monde en profite"),
        ),
        tags=("culture", "festival", "spectacle-vivant"),
        roles={"p1": ("directeur", "directrice"), "p2": ("critique de théâtre", "critique de théâtre")},
        orgs={"o1": "fr_festival"},
    ),
    Story(
        key="fr-secheresse",
        section="environment",
        language="fr",
        headlines=(
            "Sécheresse : restrictions d'eau renforcées autour de {city}",
            "Nappes au plus bas : {city} limite l'arrosage",
        ),
        leads=(
            "Face à la baisse inquiétante des nappes phréatiques, la préfecture a renforcé {day} les restrictions d'usage de l'eau dans l'agglomération de {city}. Selon {p1}, {p1r} à l'{o1}, le niveau est inférieur de {pct} % à la normale.",
            "Les habitants de {city} devront limiter leur consommation d'eau : arrosage des jardins interdit en journée, lavage des voitures proscrit. Les mesures annoncées {day} doivent durer au moins {n_small} semaines.",
        ),
        paragraphs=(
            "{p1} explique que les pluies de l'hiver n'ont pas suffi à recharger les réserves. Sur les {n_mid} points de mesure suivis par l'{o1}, plus de la moitié affichent des niveaux bas ou très bas.",
            "Les agriculteurs sont particulièrement touchés. {p2}, {p2r} près de {city}, craint pour ses récoltes : « Sans irrigation, une partie des cultures ne passera pas l'été. »",
            "L'association {o2} réclame des contrôles plus stricts et une remise à plat des autorisations de prélèvement. {p3}, sa porte-parole, dénonce un partage de l'eau « déséquilibré ».",
            "Les contrevenants s'exposent à une amende pouvant atteindre {n_mid2} euros. Des contrôles seront menés dans les prochains jours, a prévenu la préfecture.",
            "Les hydrologues rappellent que ces épisodes devraient se multiplier avec le réchauffement climatique et plaident pour une meilleure récupération des eaux de pluie.",
            "À {city2}, des mesures similaires ont déjà été prises la semaine dernière. Plusieurs petites communes de la région sont même alimentées par camion-citerne depuis le début du mois.",
            "Les industriels sont également appelés à réduire leurs prélèvements de {pct} %. Certaines entreprises ont d'ores et déjà annoncé l'installation de systèmes de recyclage de l'eau.",
        ),
        quotes=(
            ("p1", "Nous sommes dans une situation préoccupante, et chaque litre économisé compte"),
            ("p2", "On nous demande de produire plus avec de moins en moins d'eau"),
            ("p3", "Il faut cesser de considérer l'eau comme une ressource illimitée"),
        ),
        tags=("environnement", "sécheresse", "eau"),
        roles={
            "p1": ("hydrologue", "hydrologue"),
            "p2": ("agriculteur", "agricultrice"),
            "p3": ("porte-parole", "porte-parole"),
        },
        orgs={"o1": "fr_agency", "o2": "fr_ngo"},
    ),
    Story(
        key="es-derbi",
        section="sport",
        language="es",
        headlines=(
            "El {o1s} gana el derbi ante el {o2s} con doblete de {p1s}",
            "{p1s} decide el derbi y el {o1s} sueña con el ascenso",
        ),
        leads=(
            "El {o1} se impuso al {o2} por {score_a}-{score_b} en el derbi disputado el {day} en {city}, con dos goles de {p1}, que se consolida como {p1r} de la categoría.",
            "Un doblete de {p1} dio al {o1} la victoria en el derbi frente al {o2} ({score_a}-{score_b}) ante más de {n_big} aficionados en {city}.",
        ),
        paragraphs=(
            "El {o2} se adelantó en la primera parte tras un error defensivo, pero {p1} empató con un disparo cruzado antes del descanso y firmó el segundo en una contra a falta de {n_small} minutos.",
            "{p2}, {p2r} del {o1}, elogió la reacción del equipo. «Hemos demostrado carácter», dijo tras el partido, en el que su equipo sumó su {n_small2}.ª victoria consecutiva.",
            "En el bando visitante, {p3}, {p3r}, lamentó la falta de acierto. Su equipo acumula tres jornadas sin ganar y se aleja de los puestos de ascenso.",
            "{p1}, de {age} años, suma ya {n_mid2} goles esta temporada. Varios clubes de Primera División han seguido de cerca su evolución, según fuentes cercanas a {p1}.",
            "La afición llenó el estadio y despidió al equipo con una ovación. El próximo partido del {o1} será fuera de casa ante uno de los rivales directos.",
            "El partido estuvo marcado por la intensidad y las tarjetas: el árbitro mostró {n_small} amarillas y expulsó a un jugador visitante en el tramo final por una entrada por detrás.",
            "Con este resultado, el {o1} se coloca a {n_small2} puntos del liderato a falta de {n_small} jornadas, mientras que el {o2} tendrá que mirar hacia abajo en la clasificación.",
        ),
        quotes=(
            ("p1", "Un derbi siempre es especial, y marcar dos goles delante de nuestra gente es un sueño"),
            ("p2", "El equipo no ha perdido la fe en ningún momento"),
            ("p3", "Hemos regalado el partido en dos acciones y eso en un derbi se paga"),
        ),
        tags=("fútbol", "derbi", "deportes"),
        roles={
            "p1": ("máximo goleador", "máxima goleadora"),
            "p2": ("entrenador", "entrenadora"),
            "p3": ("entrenador", "entrenadora"),
        },
        orgs={"o1": "es_club", "o2": "es_club"},
    ),
    Story(
        key="es-listas",
        section="health",
        language="es",
        headlines=(
            "Las listas de espera del {o1s} alcanzan un récord",
            "Pacientes esperan {n_mid} días para operarse en el {o1s}",
        ),
        leads=(
            "Las listas de espera quirúrgica del {o1} de {city} alcanzaron en {month} su nivel más alto, con más de {n_big} pacientes pendientes de intervención, según datos publicados el {day}.",
            "El tiempo medio de espera para una operación en el {o1} supera ya los {n_mid} días. {p1}, {p1r} del centro, atribuye el aumento a la falta de anestesistas.",
        ),
        paragraphs=(
            "{p1} explicó que el hospital ha abierto quirófanos por la tarde y contratado a {n_small} especialistas, pero que la demanda sigue creciendo por el envejecimiento de la población.",
            "El {o2} denuncia que la plantilla está al límite. {p2}, {p2r} del sindicato, afirmó que muchas enfermeras encadenan turnos dobles para cubrir las bajas.",
            "{p3}, de {age} años, lleva más de un año esperando una prótesis de rodilla. «Apenas puedo salir de casa», contó a este periódico.",
            "La consejería de Sanidad anunció un plan de choque de {money} millones de euros para reducir las esperas antes de final de año, que incluye derivaciones a centros concertados.",
            "Los expertos advierten de que las medidas temporales no resolverán el problema si no se aumenta de forma estable el número de profesionales.",
            "Las especialidades con más demora son traumatología, oftalmología y cirugía general. En algunos casos, los pacientes esperan más de {n_small2} meses para una primera consulta con el especialista.",
            "La oposición ha pedido la comparecencia del consejero de Sanidad en el parlamento autonómico y acusa al Gobierno regional de haber recortado plazas en los últimos años.",
        ),
        quotes=(
            ("p1", "Estamos operando más que nunca, pero la demanda crece todavía más rápido"),
            ("p2", "No se puede sostener un hospital a base de horas extra"),
            ("p3", "Cada día que pasa es un día más de dolor"),
        ),
        tags=("sanidad", "listas-de-espera", "hospitales"),
        roles={"p1": ("director médico", "directora médica"), "p2": ("portavoz", "portavoz")},
        orgs={"o1": "es_hospital", "o2": "es_union"},
    ),
    Story(
        key="it-truffa",
        section="crime",
        language="it",
        headlines=(
            "Truffa agli anziani, {n_small} arresti a {city}",
            "{city}, smantellata la rete dei falsi consulenti della {o1s}",
        ),
        leads=(
            "La polizia di {city} ha arrestato {n_small} persone accusate di aver truffato decine di anziani fingendosi consulenti della {o1}. Il danno stimato supera i {money_s} milioni di euro, secondo {p1}, {p1r} della squadra mobile.",
            "Si presentavano come consulenti della {o1} e convincevano gli anziani a consegnare risparmi e gioielli. {day} a {city} è scattata l'operazione che ha portato a {n_small} arresti.",
        ),
        paragraphs=(
            "Secondo gli investigatori, il gruppo contattava le vittime per telefono e poi inviava un complice a casa per ritirare denaro e preziosi. {p1} ha spiegato che le vittime accertate sono almeno {n_mid}.",
            "Le indagini sono partite dalla denuncia di {p2}, {age} anni, che si era insospettit{p2a} per una telefonata. Grazie alla sua segnalazione gli agenti hanno individuato uno dei corrieri.",
            "La {o1} ha preso le distanze dai truffatori e ricordato che i propri consulenti non chiedono mai contanti né visite a domicilio non concordate.",
            "Durante le perquisizioni sono stati sequestrati contanti, gioielli e {n_small2} telefoni cellulari. Gli arrestati dovranno rispondere di truffa aggravata e associazione per delinquere.",
            "La questura invita i cittadini a diffidare di chi si presenta alla porta senza preavviso e a contattare il numero di emergenza in caso di dubbi.",
            "Il gruppo, secondo l'accusa, aveva una struttura ben organizzata: c'era chi sceglieva le vittime, chi telefonava e chi si occupava di riciclare il denaro attraverso conti intestati a prestanome.",
            "Tra le vittime c'è anche un pensionato di {city2} che ha perso oltre {n_big} euro. «Sembravano persone gentili e preparate», ha raccontato agli investigatori.",
        ),
        quotes=(
            ("p1", "Colpivano le persone più fragili, approfittando della loro fiducia"),
            ("p2", "Ho capito che qualcosa non andava e ho chiamato subito la polizia"),
            ("p1", "Denunciare è fondamentale: ogni segnalazione ci aiuta a fermare questi gruppi"),
        ),
        tags=("cronaca", "truffe", "anziani"),
        roles={"p1": ("il dirigente", "la dirigente")},
        orgs={"o1": "it_company"},
    ),
    Story(
        key="it-scuole",
        section="education",
        language="it",
        headlines=(
            "{city}, {n_small} scuole chiuse per lavori di messa in sicurezza",
            "Edilizia scolastica, protesta dei genitori a {city}",
        ),
        leads=(
            "A {city} {n_small} edifici scolastici resteranno chiusi per lavori di messa in sicurezza, con circa {n_big} studenti trasferiti in sedi provvisorie. Lo ha annunciato {day} {p1}, {p1r}.",
            "Proteste dei genitori a {city} dopo la chiusura dell'{o1} per problemi strutturali. {p2}, portavoce del {o2}, chiede tempi certi per la riapertura.",
        ),
        paragraphs=(
            "I controlli hanno evidenziato infiltrazioni e crepe nei solai. {p1} ha spiegato che gli interventi costeranno circa {money_s} milioni di euro, finanziati in parte con fondi europei.",
            "Il {o2} lamenta la mancanza di informazioni. {p2} racconta che molte famiglie hanno saputo del trasferimento solo pochi giorni prima dell'inizio delle lezioni.",
            "Gli studenti dell'{o1} seguiranno le lezioni in un ex edificio comunale, a {n_small2} chilometri di distanza. Il Comune ha attivato un servizio di navetta gratuito.",
            "Secondo un rapporto nazionale, oltre il {pct} per cento degli edifici scolastici italiani è stato costruito prima delle norme antisismiche attuali.",
            "I sindacati della scuola chiedono un piano pluriennale di investimenti e una mappatura completa degli edifici a rischio.",
            "Il piano prevede anche l'installazione di nuovi impianti di riscaldamento e la rimozione delle barriere architettoniche. I cantieri dovrebbero durare circa {n_small} mesi.",
            "Nelle sedi provvisorie mancano però palestre e laboratori, denunciano gli insegnanti. Alcune classi dovranno fare lezione a turni, con ingressi scaglionati al mattino e al pomeriggio.",
        ),
        quotes=(
            ("p1", "La sicurezza degli studenti viene prima di tutto, anche a costo di qualche disagio"),
            ("p2", "Non siamo contrari ai lavori, ma vogliamo sapere quando i nostri figli potranno tornare"),
            ("p1", "Contiamo di riaprire le scuole entro l'inizio del prossimo anno scolastico"),
        ),
        tags=("scuola", "edilizia-scolastica", "sicurezza"),
        roles={"p1": ("assessore all'istruzione", "assessora all'istruzione")},
        orgs={"o1": "it_school", "o2": "it_parents"},
    ),
    Story(
        key="nl-storm",
        section="weather",
        language="nl",
        headlines=(
            "Storm zorgt voor overlast in {city}",
            "Code oranje: zware windstoten in {city} en omgeving",
        ),
        leads=(
            "Een zware storm met windstoten tot {wind} kilometer per uur heeft {day} voor veel overlast gezorgd in {city} en omgeving. De {o1} gaf code oranje af voor een groot deel van het land.",
            "Omgewaaide bomen, vertraagde treinen en ondergelopen kelders: de storm die {day} over {city} trok, hield hulpdiensten urenlang bezig. Volgens {p1} van de {o1} was het de zwaarste storm van het seizoen.",
        ),
        paragraphs=(
            "{p1}, meteoroloog bij de {o1}, verwacht dat de wind in de loop van de avond afneemt. Wel blijft het onstuimig, met kans op zware buien en hagel.",
            "De brandweer rukte meer dan {n_mid} keer uit, vooral voor omgevallen bomen en losgeraakte dakpannen. {p2}, woordvoerder van de veiligheidsregio, riep inwoners op binnen te blijven.",
            "Het treinverkeer rond {city} lag urenlang grotendeels stil. Reizigers werden opgeroepen om de reisplanner te raadplegen voordat zij vertrokken.",
            "Het {o2} hield de waterstanden nauwlettend in de gaten. Volgens {p3} van het waterschap waren de dijken niet in gevaar, maar werden extra controles uitgevoerd.",
            "Verzekeraars verwachten duizenden schademeldingen. Gedupeerden wordt aangeraden foto's te maken van de schade en die zo snel mogelijk te melden.",
            "Op de snelwegen rond {city} kantelden {n_small2} vrachtwagens door de harde wind. Weggebruikers met aanhangers en caravans werd geadviseerd om niet de weg op te gaan.",
            "In {city2} raakte een fietser gewond toen een boom op het fietspad viel. Het slachtoffer is met onbekend letsel naar het ziekenhuis gebracht.",
        ),
        quotes=(
            ("p1", "Dit is een storm die je maar een paar keer per jaar ziet, dus neem het serieus"),
            ("p2", "Blijf zoveel mogelijk binnen en ga niet onnodig de weg op"),
            ("p3", "De dijken houden het goed, maar we blijven alert"),
        ),
        tags=("weer", "storm", "code-oranje"),
        orgs={"o1": "nl_weather", "o2": "nl_water"},
    ),
    Story(
        key="nl-startup",
        section="technology",
        language="nl",
        headlines=(
            "{o1s} haalt {money_s} miljoen euro op",
            "Techbedrijf {o1s} uit {city} krijgt miljoeneninvestering",
        ),
        leads=(
            "Het techbedrijf {o1} uit {city} heeft {money_s} miljoen euro opgehaald bij investeerders onder leiding van {o2}. Dat maakte oprichter {p1} {day} bekend.",
            "{o1}, een jong bedrijf uit {city} dat software maakt om het energieverbruik van gebouwen te verlagen, krijgt {money_s} miljoen euro van {o2} en andere investeerders.",
        ),
        paragraphs=(
            "Met het geld wil {o1} uitbreiden naar Duitsland en België en het aantal medewerkers verdubbelen tot ongeveer {n_mid}. {p1} richtte het bedrijf {n_small} jaar geleden op tijdens de studie.",
            "De software van {o1} verzamelt gegevens van sensoren in kantoren en scholen en past verwarming en ventilatie automatisch aan. Klanten besparen volgens het bedrijf gemiddeld {pct} procent op hun energierekening.",
            "{p2}, partner bij {o2}, noemt het bedrijf een van de meest veelbelovende in de sector. De vraag naar energiebesparing is door de hoge prijzen sterk gestegen.",
            "Toch is de concurrentie groot. {p3}, analist, wijst erop dat grote installatiebedrijven soortgelijke diensten aanbieden en dat kleine bedrijven het lastig kunnen krijgen.",
            "Het bedrijf draait nog geen winst, maar verwacht dat binnen {n_small2} jaar wel te doen. De omzet verdrievoudigde vorig jaar.",
            "Het bedrijf werkt inmiddels voor ruim {n_mid} klanten, waaronder gemeenten, woningcorporaties en schoolbesturen. De eerste klant was een basisschool in {city2}.",
            "{p1} wil het hoofdkantoor in {city} houden, ook al trekken buitenlandse investeerders aan het bedrijf. Het vinden van voldoende technisch personeel blijft volgens de oprichter de grootste uitdaging.",
        ),
        quotes=(
            (
                "p1",
                "We willen laten zien dat je met slimme software snel en zonder grote verbouwingen energie kunt besparen",
            ),
            ("p2", "Dit team heeft bewezen dat het product werkt en dat klanten ervoor willen betalen"),
            ("p3", "De markt is er, maar de vraag is wie hem uiteindelijk wint"),
        ),
        tags=("technologie", "start-ups", "energie"),
        orgs={"o1": "nl_tech", "o2": "nl_investor"},
    ),
)

# --------------------------------------------------------------------------------------------------
# Composition
# --------------------------------------------------------------------------------------------------

_ALTERNATIVES = re.compile(r"\[\[(.+?)\]\]")
_MARKER = re.compile(r"\x01(\w+)\x01")
_TAG = re.compile(r"<[^>]+>")


def _group_int(value: int, language: str) -> str:
    text = f"{value:,}"
    if language == "en":
        return text
    return text.replace(",", " " if language == "fr" else ".")


def _decimal(value: float, language: str) -> str:
    text = f"{value:.1f}"
    return text if language == "en" else text.replace(".", ",")


def _context(
    rng: random.Random, story: Story, source: Source, local: datetime
) -> tuple[dict[str, str], dict[str, Org]]:
    """The slot values of one article, and the (first, later) forms of its named markers."""
    lang = story.language
    male, female = FIRST_NAMES[lang]
    ctx: dict[str, str] = {}
    names: dict[str, Org] = {}
    firsts: list[str] = []
    for n, last in enumerate(rng.sample(SURNAMES[lang], 3), start=1):
        is_female = rng.random() < 0.5
        person = Person(
            rng.choice([f for f in (female if is_female else male) if f not in firsts]), last, is_female
        )
        firsts.append(person.first)
        slot = f"p{n}"
        role = story.roles.get(slot, "")
        ctx[slot] = f"\x01{slot}\x01"
        ctx[f"{slot}f"], ctx[f"{slot}s"] = person.full, person.surname
        ctx[f"{slot}r"] = role if isinstance(role, str) else role[1 if is_female else 0]
        ctx[f"{slot}e"] = "e" if is_female else ""
        ctx[f"{slot}a"] = "a" if is_female else "o"
        names[slot] = (person.full, person.surname)
    used: dict[str, list[Org]] = {}
    for slot, kind in sorted(story.orgs.items()):
        taken = used.setdefault(kind, [])
        org = rng.choice([o for o in ORGS[kind] if o not in taken])
        taken.append(org)
        ctx[slot] = f"\x01{slot}\x01"
        ctx[f"{slot}f"], ctx[f"{slot}s"] = org
        names[slot] = org
    (city, country), (city2, _) = rng.sample(CITIES[lang], 2)
    ctx["cur"] = CURRENCIES.get(country, "€")
    money, money2 = sorted((rng.randint(12, 640), rng.randint(8, 640)), reverse=True)
    score_a = rng.randint(2, 4)
    ctx.update(
        city=city, city2=city2, country=country, src=source.name, Src=source.name[:1].upper() + source.name[1:],
        day=WEEKDAYS[lang][local.weekday()], month=MONTHS[lang][(local.month + rng.randint(0, 3)) % 12],
        year=str(local.year + rng.randint(1, 4)), year_past=str(local.year - rng.randint(2, 9)),
        n_small=str(rng.randint(3, 12)), n_small2=str(rng.randint(2, 9)),
        n_mid=str(rng.randint(20, 480)), n_mid2=str(rng.randint(15, 60)),
        n_big=_group_int(rng.randint(12, 950) * 100, lang), n_big2=_group_int(rng.randint(11, 99) * 1000, lang),
        pct=_decimal(rng.uniform(2.0, 38.0), lang), pct2=_decimal(rng.uniform(1.2, 9.9), lang),
        pct3=_decimal(rng.uniform(9.0, 61.0), lang),
        pct_hi=str(rng.randint(78, 95)), money=str(money), money2=str(money2),
        money_s=_decimal(rng.uniform(1.2, 9.8), lang),
        age=str(rng.randint(21, 78)), score_a=str(score_a), score_b=str(rng.randint(1, score_a - 1)),
        minute=str(rng.randint(8, 85)), temp_hi=str(rng.randint(33, 43)), temp_lo=str(rng.randint(-16, -3)),
        rain_mm=str(rng.randint(40, 180)), wind=str(rng.randint(90, 160)),
    )  # fmt: skip
    return ctx, names


def _fill(rng: random.Random, template: str, ctx: dict[str, str]) -> str:
    chosen = _ALTERNATIVES.sub(lambda m: rng.choice(m.group(1).split("|")), template)
    return chosen.format_map(ctx)


def _quote(rng: random.Random, story: Story, index: int, ctx: dict[str, str]) -> str:
    speaker, words = story.quotes[index]
    frame = rng.choice(QUOTE_FRAMES[story.language])
    return frame.format(q=_fill(rng, words, ctx), who=ctx[speaker], src=ctx["src"])


def resolve(pieces: Sequence[str], names: dict[str, Org]) -> list[str]:
    """Replace name markers: the full name at the first mention in the article, the short form after."""
    seen: list[str] = []

    def name(match: re.Match[str]) -> str:
        slot = match.group(1)
        if slot in seen:
            return names[slot][1]
        seen.append(slot)
        return names[slot][0]

    return [_MARKER.sub(name, piece) for piece in pieces]


_WORD = re.compile(r"\w+", re.UNICODE)


def simhash(text: str) -> int:
    """A stdlib copy of ``newsflow.enrich.fingerprint.simhash`` (64-bit, word 3-shingles), as an int.

    The generator uses it to keep template siblings apart and wire copies together; the unit
    tests check the committed corpus with the library's own function.
    """
    words = [w.casefold() for w in _WORD.findall(text)]
    if len(words) <= 3:
        counted = Counter([" ".join(words)]) if words else Counter()
    else:
        counted = Counter(" ".join(words[i : i + 3]) for i in range(len(words) - 2))
    weights = [0] * 64
    for shingle, n in counted.items():
        digest = hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest()
        for i, bit in enumerate(format(int.from_bytes(digest, "big"), "064b")):
            weights[i] += n if bit == "1" else -n
    value = 0
    for weight in weights:
        value = (value << 1) | (weight > 0)
    return value


def _distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def word_count(text: str) -> int:
    """Words of a body, ignoring markup."""
    return len(html.unescape(_TAG.sub(" ", text)).split())


def _slug(text: str, limit: int = 70) -> str:
    ascii_text = (
        unicodedata.normalize("NFKD", text.replace("ß", "ss"))
        .encode("ascii", "ignore")
        .decode("ascii")
        .lower()
    )
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:limit].rstrip("-")


def _after_introduction(rng: random.Random, pieces: Sequence[str], speaker: str, lead: str) -> int:
    """A random insertion point for a quote, after the first piece that introduces its speaker."""
    marker = f"\x01{speaker}\x01"
    if marker in lead:
        return rng.randint(0, len(pieces))
    first = next((n for n, piece in enumerate(pieces) if marker in piece), len(pieces) - 1)
    return rng.randint(first + 1, len(pieces))


def compose(
    rng: random.Random, index: int, story: Story, source: Source, published: datetime, taken: set[str]
) -> Draft:
    """Compose one article from a story template: lead, body paragraphs, quotes and context.

    ``taken`` holds the headlines already used; the article gets a fresh one (and adds its own).
    """
    local = published.astimezone(timezone(timedelta(hours=source.utc_offset_h)))
    ctx, names = _context(rng, story, source, local)
    short = {slot: (form[1], form[1]) for slot, form in names.items()}
    headlines = list(story.headlines)
    rng.shuffle(headlines)
    filled = [resolve([_fill(rng, h, ctx)], short)[0] for h in headlines]
    fresh = [h for h in filled if h not in taken] or [f"{ctx['city']}: {filled[0]}"]
    title = fresh[0]
    alternatives = [*filled, *(f"{ctx['city']}: {h}" for h in filled)]
    alt_title = next((h for h in alternatives if h != title and h not in taken), f"{title} (updated)")
    taken.update((title, alt_title))
    lead = _fill(rng, rng.choice(story.leads), ctx)
    if source.slug == "metro-wire":
        lead = f"{ctx['city'].upper()} (Metro Wire) — {lead}"
    body = list(story.paragraphs)
    rng.shuffle(body)
    quotes = list(range(len(story.quotes)))
    rng.shuffle(quotes)
    if story.language == "en":
        extras = [*SECTION_EXTRAS[story.section]]
        rng.shuffle(extras)
        extras.append(rng.choice(GENERIC_EXTRAS))  # at most one generic paragraph an article
    else:
        extras = list(LANGUAGE_EXTRAS[story.language])
        rng.shuffle(extras)
    pools: list[list[tuple[str, str]]] = [  # (kind, text) in the order they are used
        [("body", _fill(rng, p, ctx)) for p in body],
        [(story.quotes[i][0], _quote(rng, story, i, ctx)) for i in quotes],
        [("extra", _fill(rng, e, ctx)) for e in extras],
    ]
    chosen: list[tuple[str, str]] = [pools[0].pop(0) for _ in range(min(4, len(pools[0])))]
    chosen.append(pools[1].pop(0))
    target = rng.randint(MIN_WORDS, MAX_WORDS)

    def words(parts: Sequence[tuple[str, str]]) -> int:
        return word_count("\n\n".join(resolve([lead, *(text for _, text in parts)], names)))

    while words(chosen) < target and any(pools):
        for pool in pools:  # round robin: a paragraph, a quote, some context
            if pool and words(chosen) < target and words([*chosen, pool[0]]) <= MAX_WORDS:
                chosen.append(pool.pop(0))
            elif pool and words([*chosen, pool[0]]) > MAX_WORDS:
                pool.clear()
    pieces = [text for kind, text in chosen if kind == "body"]
    for speaker, text in chosen:
        if speaker.startswith("p"):
            pieces.insert(_after_introduction(rng, pieces, speaker, lead), text)
    pieces = [lead, *pieces, *(text for kind, text in chosen if kind == "extra")]
    spare = [text for pool in reversed(pools) for _, text in pool]

    n_authors = 2 if rng.random() < 0.2 else 1
    authors = tuple(rng.sample(source.authors, n_authors))
    tags = (*story.tags, _slug(ctx["city"]))
    return Draft(index=index, story=story, source=source, ctx=ctx, names=names,
                 title=title, alt_title=alt_title,
                 pieces=pieces, spare=spare, published=published, authors=authors, tags=tags)  # fmt: skip


def _iso(moment: datetime, source: Source) -> str:
    local = moment.astimezone(timezone(timedelta(hours=source.utc_offset_h)))
    text = local.isoformat(timespec="seconds")
    return text.replace("+00:00", "Z") if source.slug == "metro-wire" else text


def _as_html(paragraphs: Sequence[str], url: str) -> str:
    out = []
    for n, paragraph in enumerate(paragraphs):
        text = html.escape(paragraph, quote=True)
        if n == 0:
            text = f"<strong>{text}</strong>"
        elif n == len(paragraphs) // 2:
            text = f'{text} <a href="{url}#more">More on this story</a>.'
        out.append(f"<p>{text}</p>")
    return "\n".join(out)


def render(
    draft: Draft,
    pieces: Sequence[str],
    revision: int,
    updated: datetime,
    title: str,
    source: Source | None = None,
    published: datetime | None = None,
) -> Article:
    """The article record of a draft at one revision (optionally republished by another source)."""
    src = source or draft.source
    when = published or draft.published
    local = when.astimezone(timezone(timedelta(hours=src.utc_offset_h)))
    section = draft.story.section
    url = (f"https://www.{src.slug}.invalid/{section}/{local:%Y/%m/%d}/"
           f"{_slug(draft.title)}-{draft.index}")  # fmt: skip
    paragraphs = resolve(pieces, draft.names)
    body = _as_html(paragraphs, url) if draft.html else "\n\n".join(paragraphs)
    return Article(
        id=f"{src.slug}-{local:%Y%m%d}-{draft.index:05d}", source=src.slug, url=url, title=title, body=body,
        published_at=_iso(when, src), updated_at=_iso(updated, src), revision=revision, authors=draft.authors,
        section=section, language=draft.story.language, tags=draft.tags, sort_key=updated,
    )  # fmt: skip


def revisions(rng: random.Random, draft: Draft, count: int) -> Iterator[Article]:
    """Revisions 2..count+1 of a draft: each adds a paragraph (or a quote) and an update note."""
    pieces = list(draft.pieces)
    spare = list(draft.spare)
    updated = draft.published
    title = draft.title
    notes = list(UPDATE_NOTES[draft.story.language])
    for revision in range(2, count + 2):
        updated += timedelta(minutes=rng.randint(35, 300))
        if spare:
            pieces.insert(rng.randint(1, len(pieces)), spare.pop())
        if revision == 3:
            title = draft.alt_title
        note = rng.choice(notes)
        yield render(draft, [*pieces, note], revision, updated, title)


def wire_copy(rng: random.Random, draft: Draft, original: Article, target: Source) -> Article:
    """The same wire story republished by another source: other headline, another id, a tiny edit.

    The edit (one "said" made "says", or "per cent" made "percent") is the first of a shuffled list
    that keeps the copy's SimHash within ``WIRE_MAX_DISTANCE`` bits of the original; else none.
    """
    edits = [(n, old, new) for n, piece in enumerate(draft.pieces) if n > 0
             for old, new in ((" said ", " says "), (" per cent", " percent")) if old in piece]  # fmt: skip
    rng.shuffle(edits)
    reference = simhash("\n\n".join(resolve(draft.pieces, draft.names)))
    pieces = list(draft.pieces)
    for n, old, new in edits:
        candidate = list(draft.pieces)
        candidate[n] = candidate[n].replace(old, new, 1)
        if _distance(simhash("\n\n".join(resolve(candidate, draft.names))), reference) <= WIRE_MAX_DISTANCE:
            pieces = candidate
            break
    published = draft.published + timedelta(minutes=rng.randint(25, 140))
    copy = replace(draft, pieces=pieces)
    title = draft.alt_title
    article = render(copy, pieces, 1, published, title, source=target, published=published)
    return replace(article, tags=(*original.tags, "wire"))


@dataclass(frozen=True)
class Plan:
    """How N lines split into base articles, extra revisions and wire copies."""

    count: int
    base: int
    revised: tuple[int, ...]  # base indices with updates
    extra_revisions: tuple[int, ...]  # how many updates each of those gets (1 or 2)
    wired: tuple[int, ...]  # base indices republished by a second source
    html: tuple[int, ...]  # base indices whose body is HTML

    @classmethod
    def for_count(cls, count: int, seed: int = DEFAULT_SEED) -> Plan:
        n_revised = count // 12
        extra = tuple(2 if j % 3 == 0 else 1 for j in range(n_revised))
        n_wire = count // 40
        base = count - sum(extra) - n_wire
        rng = random.Random(f"plan-{seed}-{count}")
        english = [i for i in range(base) if _language_of(i) == "en"]
        wired = sorted(rng.sample(english, min(n_wire, len(english))))
        plain = [i for i in english if i not in wired]
        html_ids = sorted(rng.sample(plain, min(count // 50, len(plain))))
        revised = sorted(rng.sample(range(base), n_revised))
        return cls(count, base, tuple(revised), extra, tuple(wired), tuple(html_ids))


def _language_of(index: int) -> str:
    if index % FOREIGN_EVERY == 5:
        return FOREIGN_LANGUAGES[(index // FOREIGN_EVERY) % len(FOREIGN_LANGUAGES)]
    return "en"


class _Deck:
    """Draws story templates in shuffled rounds, so every template is used about equally."""

    def __init__(self, rng: random.Random, stories: Sequence[Story]) -> None:
        self._rng = rng
        self._stories = list(stories)
        self._pile: list[Story] = []

    def draw(self) -> Story:
        if not self._pile:
            self._pile = list(self._stories)
            self._rng.shuffle(self._pile)
        return self._pile.pop()


def generate(count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED) -> list[Article]:
    """All lines of a corpus of ``count`` lines, sorted by update time."""
    if count < 1:
        raise ValueError("count must be at least 1")
    rng = random.Random(seed)
    plan = Plan.for_count(count, seed)
    decks = {"en": _Deck(rng, EN_STORIES)} | {
        lang: _Deck(rng, [s for s in FOREIGN_STORIES if s.language == lang]) for lang in FOREIGN_LANGUAGES
    }
    revised = dict(zip(plan.revised, plan.extra_revisions, strict=True))
    wired = set(plan.wired)
    html_ids = set(plan.html)
    articles: list[Article] = []
    fingerprints: dict[str, list[int]] = {}
    taken: set[str] = set()  # headlines in use (membership only, so set order never matters)
    moment = START
    for index in range(plan.base):
        moment += timedelta(minutes=rng.randint(40, 200))
        language = _language_of(index)
        if index in wired:
            slug = "metro-wire"
        elif language == "en":
            slug = rng.choice(EN_SOURCES)
        else:
            slug = SOURCE_BY_LANGUAGE[language]
        story = decks[language].draw()
        draft = compose(rng, index, story, SOURCES[slug], moment, taken)
        if count <= SIBLING_CHECK_MAX_COUNT:
            siblings = fingerprints.setdefault(story.key, [])
            for _ in range(8):  # recompose while too close to an earlier article from the same template
                fingerprint = simhash("\n\n".join(resolve(draft.pieces, draft.names)))
                if all(_distance(fingerprint, other) > SIBLING_MIN_DISTANCE for other in siblings):
                    break
                draft = compose(rng, index, story, SOURCES[slug], moment, taken)
            siblings.append(fingerprint)
        draft.html = index in html_ids
        original = render(draft, draft.pieces, 1, moment, draft.title)
        articles.append(original)
        if index in wired:
            target = SOURCES[rng.choice([s for s in EN_SOURCES if s != "metro-wire"])]
            articles.append(wire_copy(rng, draft, original, target))
        if index in revised:
            articles.extend(revisions(rng, draft, revised[index]))
    articles.sort(key=lambda a: (a.sort_key, a.id, a.revision))
    return articles


def write(articles: Sequence[Article], out: Path) -> None:
    """Write the articles as JSON Lines (UTF-8, one object a line, trailing newline)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes("".join(a.to_json() + "\n" for a in articles).encode("utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--count", type=int, default=DEFAULT_COUNT, help="number of lines (default %(default)s)"
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output file (default seeds/corpus.jsonl)"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("--count must be at least 1")
    articles = generate(args.count, args.seed)
    write(articles, args.out)
    ids = {a.id for a in articles}
    sys.stderr.write(f"wrote {len(articles)} lines ({len(ids)} articles) to {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
