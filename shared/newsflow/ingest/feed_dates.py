"""Dates of feed entries as publishers write them: RFC 822 and ISO 8601, named zones, other languages.

A date is either read with its real offset or refused with a reason (never silently taken as UTC):

* RFC 822 dates with a numeric offset or an RFC 822 zone (``GMT``, ``UT``, ``Z``, ``EST``…``PDT``);
  other common zone names through :data:`ZONES` (``CET``, ``CEST``, ``BST`` = British Summer Time,
  ``JST``, ``AEST``…); ambiguous names (``IST``: India, Ireland or Israel; ``AST``) are refused.
* ISO 8601 with an offset; a date alone (``2025-01-06``) is midnight UTC; a time without a zone is
  refused.
* ``YYYY/MM/DD hh:mm[:ss] ±hhmm``.
* Day and month names in other languages (``Seg, 24 Set 2018 19:42:40 -0300``) through
  ``dateparser``, and only when the text carries an offset or a known zone.
* A bare number (an epoch?) is refused, and so is anything before 1850 or more than a day ahead.
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

#: Zone names beyond RFC 822's, with their UTC offsets in hours.
ZONES: dict[str, float] = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "MET": 1,
    "CEST": 2, "MEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "HKT": 8, "SGT": 8, "AWST": 8, "JST": 9,
    "KST": 9, "ACST": 9.5, "ACDT": 10.5, "AEST": 10, "AEDT": 11, "NZST": 12, "NZDT": 13,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10, "BRT": -3, "ART": -3,
}  # fmt: skip
#: Names that stand for several zones: refused rather than guessed.
AMBIGUOUS_ZONES = frozenset({"IST", "AST", "ADT", "CCT", "SST"})
EARLIEST = datetime(1850, 1, 1, tzinfo=UTC)
#: Names under which feedparser files the dates of an entry, most specific first.
DATE_FIELDS = ("published", "updated", "created")

_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_SLASHED = re.compile(
    r"(\d{4})/(\d{1,2})/(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:([+-])(\d{2}):?(\d{2})|(Z|UTC|GMT))?"
)
_TRAILING_NAME = re.compile(r"(?<![A-Za-z])([A-Za-z]{1,5})$")
_GMT_OFFSET = re.compile(r"(?:GMT|UTC)\s*([+-])(\d{1,2})(?::?(\d{2}))?$")
_HAS_OFFSET = re.compile(r"(?:[+-]\d{2}:?\d{2}|Z)$")


class DateRefused(ValueError):
    """A date field that could not be read with certainty (the reason says why)."""


def _check(moment: datetime, raw: str, now: datetime) -> datetime:
    if not EARLIEST <= moment <= now + timedelta(days=1):
        raise DateRefused(f"date out of range: {raw!r}")
    return moment.astimezone(UTC)


def _offset(hours: float) -> timezone:
    return timezone(timedelta(minutes=round(hours * 60)))


def _rfc822(text: str) -> datetime | None:
    parts = email.utils.parsedate_tz(text)
    if parts is None:
        return None
    if parts[9] is None:
        raise DateRefused(f"date without a time zone: {text!r}")
    year, month, day, hour, minute, second = parts[:6]
    return datetime(year, month, day, hour, minute, second, tzinfo=timezone(timedelta(seconds=parts[9])))


def _iso(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        if len(text) == 10:  # a date alone: midnight UTC of that day
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        raise DateRefused(f"date without a time zone: {text!r}")
    return value


def _slashed(text: str) -> datetime | None:
    match = _SLASHED.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, sign, oh, om, name = match.groups()
    if sign is None and name is None:
        raise DateRefused(f"date without a time zone: {text!r}")
    minutes = 0 if sign is None else (int(oh) * 60 + int(om)) * (1 if sign == "+" else -1)
    zone = timezone(timedelta(minutes=minutes))
    return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), tzinfo=zone)


def _named_zone(text: str) -> str:
    """``text`` with a trailing zone name or ``GMT+1`` replaced by a numeric offset (or refused)."""
    gmt = _GMT_OFFSET.search(text)
    if gmt is not None:
        sign, hours, minutes = gmt.groups()
        return f"{text[: gmt.start()].rstrip()} {sign}{int(hours):02d}{int(minutes or 0):02d}"
    match = _TRAILING_NAME.search(text)
    if match is None:
        return text
    name = match.group(1).upper()
    if name in AMBIGUOUS_ZONES:
        raise DateRefused(f"ambiguous time zone {name}: {text!r}")
    if name in ZONES:
        hours = ZONES[name]
        sign = "+" if hours >= 0 else "-"
        whole = int(abs(hours) * 60)
        return f"{text[: match.start()].rstrip()} {sign}{whole // 60:02d}{whole % 60:02d}"
    if match.group(1).isupper():
        raise DateRefused(f"unknown time zone {name}: {text!r}")
    return text


def _other_language(text: str, language: str | None) -> datetime | None:
    import dateparser  # imported on first use: only dates no other rule reads need it

    if not _HAS_OFFSET.search(text):
        return None
    settings: Any = {"RETURN_AS_TIMEZONE_AWARE": True}
    value: datetime | None = dateparser.parse(
        text, languages=[language] if language else None, settings=settings
    )
    if value is None and language:
        value = dateparser.parse(text, settings=settings)
    if value is None or value.tzinfo is None:
        return None
    return value


def parse_date(raw: str, *, language: str | None = None, now: datetime | None = None) -> datetime | None:
    """The instant ``raw`` names, in UTC; None when empty or unreadable; :class:`DateRefused` when it
    is readable only by guessing (no zone, ambiguous zone, a bare number, out of range)."""
    text = " ".join(raw.split())
    if not text:
        return None
    moment = now or datetime.now(UTC)
    if _NUMBER.fullmatch(text):
        raise DateRefused(f"a bare number is not a date: {text!r}")
    try:
        for reader in (_slashed, _iso):
            value = reader(text)
            if value is not None:
                return _check(value, text, moment)
        normalised = _named_zone(text)
        value = _rfc822(normalised) or _other_language(normalised, language)
    except DateRefused:
        raise
    except (ValueError, OverflowError, TypeError) as exc:  # a field out of range (month 13, …)
        raise DateRefused(f"impossible date {text!r}: {exc}") from exc
    return None if value is None else _check(value, text, moment)


def entry_dates(
    entry: Any, *, language: str | None = None, now: datetime | None = None
) -> tuple[datetime | None, datetime | None, list[str]]:
    """``(published, updated, refusals)`` of a feedparser entry.

    ``published`` falls back to ``updated`` (Atom ``updated``, RSS 1.0 ``dc:date``) and then to
    ``created``; ``updated`` falls back to ``published``. A field no rule reads is left to
    feedparser's own parsers (for the rarer formats it knows); a refused field is never guessed.
    """
    found: dict[str, datetime] = {}
    refusals: list[str] = []
    for name in DATE_FIELDS:
        raw = dict.get(entry, name)  # plain dict lookup: no feedparser key aliasing
        if not isinstance(raw, str) or not raw.strip():
            continue
        try:
            value = parse_date(raw, language=language, now=now)
        except DateRefused as exc:
            refusals.append(f"{name}: {exc}")
            continue
        if value is None:
            value = _feedparser_value(entry, name, raw, now or datetime.now(UTC), refusals)
        if value is not None:
            found[name] = value
    published = found.get("published") or found.get("updated") or found.get("created")
    updated = found.get("updated") or published
    return published, updated, refusals


def _feedparser_value(entry: Any, name: str, raw: str, now: datetime, refusals: list[str]) -> datetime | None:
    parsed = dict.get(entry, f"{name}_parsed")
    if not parsed:
        refusals.append(f"{name}: unreadable date {raw.strip()!r}")
        return None
    year, month, day, hour, minute, second = (int(v) for v in parsed[:6])
    value = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    try:
        return _check(value, raw.strip(), now)
    except DateRefused as exc:
        refusals.append(f"{name}: {exc}")
        return None
