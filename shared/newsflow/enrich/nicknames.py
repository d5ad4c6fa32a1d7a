"""Common English short forms of given names ("Larry" for "Lawrence", "Bill" for "William").

The pairs are widely known facts, listed here by hand. ``same_given_name`` is what the entity rules
ask: may "Larry Lessig" and "Lawrence Lessig" in one article be one person.
"""

from __future__ import annotations

from functools import cache

#: formal given name → its common short forms (lower case)
_SHORT_FORMS: dict[str, tuple[str, ...]] = {
    "abraham": ("abe",),
    "albert": ("al", "bert"),
    "alexander": ("alex", "sandy"),
    "alexandra": ("alex", "sandra"),
    "alfred": ("al", "alf", "fred"),
    "andrew": ("andy", "drew"),
    "anthony": ("tony",),
    "arnold": ("arnie",),
    "barbara": ("barb", "babs"),
    "benjamin": ("ben", "benny"),
    "bernard": ("bernie",),
    "catherine": ("cathy", "kate", "katie"),
    "charles": ("charlie", "chuck"),
    "christine": ("chris", "tina"),
    "christopher": ("chris",),
    "daniel": ("dan", "danny"),
    "david": ("dave",),
    "deborah": ("debbie", "deb"),
    "donald": ("don",),
    "douglas": ("doug",),
    "edward": ("ed", "eddie", "ted", "ned"),
    "elizabeth": ("liz", "beth", "betty", "lizzie"),
    "frederick": ("fred", "freddie"),
    "gregory": ("greg",),
    "henry": ("hank", "harry"),
    "jacob": ("jake",),
    "james": ("jim", "jimmy", "jamie"),
    "jeffrey": ("jeff",),
    "jennifer": ("jen", "jenny"),
    "john": ("jack", "johnny"),
    "jonathan": ("jon",),
    "joseph": ("joe", "joey"),
    "joshua": ("josh",),
    "katherine": ("kathy", "kate", "katie"),
    "kenneth": ("ken", "kenny"),
    "lawrence": ("larry",),
    "leonard": ("leo", "len", "lenny"),
    "margaret": ("maggie", "meg", "peggy"),
    "matthew": ("matt",),
    "michael": ("mike", "mick", "mickey"),
    "nathaniel": ("nate", "nat"),
    "nicholas": ("nick",),
    "patricia": ("pat", "patty", "trish"),
    "patrick": ("pat", "paddy"),
    "peter": ("pete",),
    "philip": ("phil",),
    "phillip": ("phil",),
    "rebecca": ("becky",),
    "richard": ("rick", "dick", "rich", "richie"),
    "robert": ("bob", "bobby", "rob", "robbie", "bert"),
    "ronald": ("ron", "ronnie"),
    "samuel": ("sam", "sammy"),
    "stephen": ("steve",),
    "steven": ("steve",),
    "susan": ("sue", "susie"),
    "theodore": ("ted", "teddy", "theo"),
    "thomas": ("tom", "tommy"),
    "timothy": ("tim",),
    "victoria": ("vicky", "tori"),
    "vincent": ("vince", "vinny"),
    "walter": ("walt",),
    "william": ("bill", "billy", "will", "willie", "liam"),
    "zachary": ("zach", "zack"),
}


@cache
def _pairs() -> frozenset[tuple[str, str]]:
    pairs = {(formal, short) for formal, shorts in _SHORT_FORMS.items() for short in shorts}
    return frozenset(pairs | {(short, formal) for formal, short in pairs})


def same_given_name(a: str, b: str) -> bool:
    """Whether two given names (any case) are one name and its short form: "Larry", "Lawrence"."""
    return (a.casefold(), b.casefold()) in _pairs()
