"""Charset names feeds declare that Python's codecs do not know, mapped to the codec they mean.

Feeds name their charset in the XML declaration or the HTTP ``Content-Type``; feedparser decodes with
``bytes.decode(name)``, so a name Python lacks (Microsoft's ``ms-cyrl``, Apple's ``csmacintosh``)
made it fall back to guessing (windows-1252 for a Cyrillic feed: wrong letters, found with
feedparser's encoding corpus). :func:`register` adds these names as aliases through
:func:`codecs.register`; names Python knows are never touched. Charsets Python has no codec for at all
(VISCII, TCVN-5712) stay unknown.
"""

from __future__ import annotations

import codecs

#: Declared name (lower case, ``_`` as ``-``) → Python codec.
ALIASES = {
    "csmacintosh": "mac_roman",
    "mac": "mac_roman",
    "ms-ansi": "cp1252",
    "ms-arab": "cp1256",
    "ms-cyrl": "cp1251",
    "ms-ee": "cp1250",
    "ms-greek": "cp1253",
    "ms-hebr": "cp1255",
    "ms-turk": "cp1254",
    "winbaltrim": "cp1257",
}

_registered = False


def _search(name: str) -> codecs.CodecInfo | None:
    target = ALIASES.get(name.strip().lower().replace("_", "-"))
    return codecs.lookup(target) if target else None


def register() -> None:
    """Make :data:`ALIASES` known to :mod:`codecs` (once per process)."""
    global _registered
    if not _registered:
        codecs.register(_search)
        _registered = True
