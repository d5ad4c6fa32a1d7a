"""Does the feed mapping decode feedparser's own encoding corpus without mojibake?

    .venv/bin/python bench/eval_feed_encodings.py [DIR] [--json OUT] [--list-failures]

DIR is the ``tests/encoding`` folder of feedparser's source distribution (BSD licence; not committed
here). Without DIR the script uses the copy ``scripts/fetch_feed_corpus.py`` put under the venv
(``make install`` / ``make test`` run it: ``pip download feedparser==<installed> --no-binary :all:``).

Every file is one feed document whose XML comment states what a correct reading gives, e.g.
``Header: Content-type: text/xml; charset=windows-1252`` and ``Expect: not bozo and
feed['title'] == '\\u20ac'``. For each file the script hands the bytes and that ``Content-Type``
(files named ``http_*`` without one are served as ``application/xml``, as feedparser's own runner
serves them) to the mapping exactly as the poller does, then checks:

* **expected text** — where the header compares a text field with a literal (``feed['title']``,
  ``entries[0]['description']`` / ``summary``), the text the mapping makes of that field (entry body
  for a mapped entry, else the field through the mapping's text conversion) equals the literal
  through the same conversion;
* **no mojibake** — no text the mapping produced (feed title, and title, body, authors and tags of
  every mapped article) contains U+FFFD or reads as UTF-8 that was decoded as Latin-1/cp1252 (it
  re-encodes to Latin-1/cp1252 bytes that are valid UTF-8 with non-ASCII in them), unless the
  file's own expected text is such text (a feed that is double-encoded at the source);
* **whole expectation** — the full ``Expect`` line (encoding names, ``bozo`` flags) holds for the
  feedparser result of the mapping's call; only a safe subset of Python is evaluated (comparisons,
  ``and``/``not``, subscripts, ``ord``), never the text itself.

Works with the mapping before the feed work (``newsflow.ingest.feeds.parse_feed(content,
source=…)``, bytes only) and after it (``newsflow.ingest.feed_mapping``), so one command gives
before/after figures (``PYTHONPATH`` on an export of the old ``shared/``).
"""

from __future__ import annotations

import argparse
import ast
import codecs
import encodings
import io
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, cast

import feedparser

try:  # after
    from newsflow.ingest import feed_mapping as mapping

    NEW = True
except ImportError:  # before
    from newsflow.ingest import feeds as mapping  # type: ignore[no-redef]

    NEW = False

from newsflow.ingest.html_text import plain_text
from newsflow.models import RawArticle


class PreMappingParse(Protocol):
    """``newsflow.ingest.feeds.parse_feed`` before ``feed_mapping`` existed (the "before" import above;
    mypy only sees the "after" module): a document's articles and a reason per entry refused."""

    def __call__(self, content: bytes, *, source: str) -> tuple[list[RawArticle], list[str]]: ...


SOURCE = "enc"
FEED_URL = "http://127.0.0.1/feed.xml"
COMMENT = re.compile(r"<!--(.*?)-->", re.S)
FIELD = re.compile(r"^\s*(Description|Expect|Header|SkipUnless):\s*(.*?)\s*$", re.M)
LOOKUP = re.compile(r"lookup\('([^']+)'\)")
BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
#: The first bytes of ``<?xm`` / ``<!--`` in the wide encodings without a byte order mark.
WIDE_STARTS = (
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
)
EBCDIC = (b"Lo\xa7\x94", ("cp037", "cp500", "cp875"))


def default_corpus() -> Path:
    """Where ``scripts/fetch_feed_corpus.py`` keeps the corpus of the installed feedparser."""
    from importlib.metadata import version

    return Path(sys.prefix) / "feedparser-corpus" / version("feedparser") / "encoding"


def header_text(data: bytes) -> str:
    """The file's text, good enough to read its ASCII header comment whatever its encoding."""
    for bom, name in BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, "replace")
    for start, name in WIDE_STARTS:
        if data.startswith(start):
            return data.decode(name, "replace")
    if data.startswith(EBCDIC[0]):  # code pages differ in '!' and '[': take the one that reads
        for name in EBCDIC[1]:
            text = data.decode(name, "replace")
            if COMMENT.search(text):
                return text
    return data.decode("latin-1")


@dataclass
class Case:
    """One file's header: what it tests and what a correct reading gives."""

    description: str
    expect: str
    content_type: str | None
    codec_known: bool


def read_case(name: str, data: bytes) -> Case | None:
    """The header of one corpus file (None when it has none)."""
    match = COMMENT.search(header_text(data))
    if not match:
        return None
    fields: dict[str, str] = {}
    content_type: str | None = None
    for key, value in FIELD.findall(match.group(1)):
        if key == "Header" and value.lower().startswith("content-type:"):
            content_type = value.split(":", 1)[1].strip()
        else:
            fields.setdefault(key, value)
    if "Expect" not in fields:
        return None
    if content_type is None and name.startswith("http"):
        content_type = "application/xml"
    known = all(  # Python's own codec search, without the aliases the mapping registers
        encodings.search_function(codec) is not None for codec in LOOKUP.findall(fields.get("SkipUnless", ""))
    )
    return Case(fields.get("Description", ""), fields["Expect"], content_type, known)


class Unsupported(Exception):
    """An expectation outside the subset this script evaluates."""


def evaluate(node: ast.AST, env: Any) -> Any:
    """Evaluate a restricted expression (names from ``env``, literals, comparisons, subscripts,
    attributes, ``and``/``or``/``not``, ``ord``/``len``); anything else raises Unsupported."""
    if isinstance(node, ast.Expression):
        return evaluate(node.body, env)
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.id]
        return env.get(node.id)
    if isinstance(node, ast.BoolOp):
        values = [evaluate(v, env) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not evaluate(node.operand, env)
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        left, right = evaluate(node.left, env), evaluate(node.comparators[0], env)
        op = node.ops[0]
        if isinstance(op, ast.Eq):
            return left == right
        if isinstance(op, ast.NotEq):
            return left != right
        if isinstance(op, ast.In):
            return left in right
        raise Unsupported(ast.dump(op))
    if isinstance(node, ast.Subscript):
        container, key = evaluate(node.value, env), evaluate(node.slice, env)
        return container[key]
    if isinstance(node, ast.Attribute):
        return getattr(evaluate(node.value, env), node.attr)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        functions = {"ord": ord, "len": len}
        if node.func.id in functions and len(node.args) == 1:
            return functions[node.func.id](evaluate(node.args[0], env))
    raise Unsupported(type(node).__name__)


def expected_texts(expect: str) -> list[tuple[str, str]]:
    """``(field, literal)`` for each ``feed['title'] == '…'`` / ``entries[0][…] == '…'`` /
    ``ord(entries[0]['description']) == N`` in an expectation."""
    found: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(expect, mode="eval")):
        if not (isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.Eq)):
            continue
        left, right = node.left, node.comparators[0]
        if not isinstance(right, ast.Constant):
            continue
        if isinstance(left, ast.Call) and getattr(left.func, "id", "") == "ord" and left.args:
            if not isinstance(right.value, int):
                raise ValueError(f"ord(…) compared with {right.value!r}, not an integer: {expect!r}")
            left, literal = left.args[0], chr(right.value)
        elif isinstance(right.value, str):
            literal = right.value
        else:
            continue
        path = ast.unparse(left)
        if path == "feed['title']":
            found.append(("feed.title", literal))
        elif path in ("entries[0]['description']", "entries[0].summary", "entries[0]['summary']"):
            found.append(("entry.body", literal))
    return found


def looks_garbled(text: str) -> bool:
    """U+FFFD, or UTF-8 bytes that were read as Latin-1 / cp1252 (``Ã©``, ``â€™``)."""
    if "\ufffd" in text:
        return True
    if text.isascii():
        return False
    for charset in ("latin-1", "cp1252"):
        try:
            repaired = text.encode(charset).decode("utf-8")
        except UnicodeError:
            continue
        if repaired != text and not repaired.isascii():
            return True
    return False


def read_document(data: bytes, content_type: str | None) -> Any:
    """feedparser's reading of a document as the mapping asks for it (``read_document`` since it
    exists; before, the mapping passed only the headers it had)."""
    if hasattr(mapping, "read_document"):
        return mapping.read_document(data, url=FEED_URL, content_type=content_type)
    headers = {k: v for k, v in (("content-location", FEED_URL), ("content-type", content_type)) if v}
    return feedparser.parse(io.BytesIO(data), response_headers=headers)


def to_text(value: str, detail: Any) -> str:
    """A decoded field as the mapping turns it into text."""
    if NEW:
        return mapping.as_text(value, mapping._declared_format(detail))
    return plain_text(value, "auto")


@dataclass
class Outcome:
    """What one file gave."""

    name: str
    description: str
    content_type: str | None
    codec_known: bool = True
    articles: int = 0
    expected: list[dict[str, str]] = field(default_factory=list)
    text_ok: bool | None = None
    garbled: list[str] = field(default_factory=list)
    garbled_at_source: bool = False
    expectation_ok: bool | None = None
    error: str = ""


def judge(name: str, data: bytes, case: Case) -> Outcome:
    """Map one file as the poller does and check it (see the module docstring)."""
    outcome = Outcome(name, case.description, case.content_type, case.codec_known)
    try:
        if NEW:
            parsed_feed = mapping.parse_feed(
                data, source=SOURCE, url=FEED_URL, content_type=case.content_type
            )
            articles = [item.article for item in parsed_feed.items]
            decoded: Any = read_document(data, case.content_type)
        else:  # the old poller passed the bytes only
            before_parse = cast(PreMappingParse, mapping.parse_feed)
            articles, _errors = before_parse(data, source=SOURCE)
            decoded = feedparser.parse(data)
    except Exception as exc:  # a crash is a finding, not the end of the run
        outcome.error = f"{type(exc).__name__}: {exc}"
        return outcome
    outcome.articles = len(articles)
    feed_title = to_text(str(decoded.feed.get("title") or ""), decoded.feed.get("title_detail"))
    texts = [feed_title]
    for article in articles:
        texts.extend([article.title, article.body, *article.authors, *article.tags])
    expected = expected_texts(case.expect)
    checks: list[bool] = []
    for where, literal in expected:
        want = to_text(literal, {"type": "text/html"})
        if where == "feed.title":
            got = feed_title
        elif articles:
            got = articles[0].body
        else:
            entry = decoded.entries[0] if decoded.entries else {}
            got = to_text(str(entry.get("summary") or ""), entry.get("summary_detail"))
        outcome.expected.append({"field": where, "want": want, "got": got})
        checks.append(got == want)
        outcome.garbled_at_source |= looks_garbled(want)
    outcome.text_ok = all(checks) if checks else None
    outcome.garbled = [t[:80] for t in texts if t and looks_garbled(t)]
    try:
        env = dict(decoded)
        outcome.expectation_ok = bool(evaluate(ast.parse(case.expect, mode="eval"), env))
    except Unsupported:
        outcome.expectation_ok = None
    except (LookupError, TypeError, AttributeError, ValueError):
        outcome.expectation_ok = False
    return outcome


def summarise(outcomes: list[Outcome], headerless: int) -> dict[str, Any]:
    """The counts docs/ingest.md reports, over every file with a header (``python_codec_missing``:
    files feedparser's own runner skips because Python's codecs lack their charset)."""
    with_text = [o for o in outcomes if o.text_ok is not None]
    judged = [o for o in outcomes if o.expectation_ok is not None]
    return {
        "mapping": "after" if NEW else "before",
        "feedparser": feedparser.__version__,
        "files_without_header": headerless,
        "files_run": len(outcomes),
        "python_codec_missing": sum(1 for o in outcomes if not o.codec_known),
        "crashed": sum(1 for o in outcomes if o.error),
        "articles_mapped": sum(o.articles for o in outcomes),
        "files_with_expected_text": len(with_text),
        "expected_text_ok": sum(1 for o in with_text if o.text_ok),
        "files_garbled": sum(1 for o in outcomes if o.garbled and not o.garbled_at_source),
        "files_garbled_at_source": sum(1 for o in outcomes if o.garbled_at_source),
        "files_with_evaluable_expectation": len(judged),
        "expectation_ok": sum(1 for o in judged if o.expectation_ok),
    }


def run(corpus: Path) -> tuple[dict[str, Any], list[Outcome]]:
    """Judge every ``*.xml`` file of ``corpus``."""
    outcomes: list[Outcome] = []
    headerless = 0
    for path in sorted(corpus.glob("*.xml")):
        data = path.read_bytes()
        case = read_case(path.name, data)
        if case is None:
            headerless += 1
            continue
        outcomes.append(judge(path.name, data, case))
    return summarise(outcomes, headerless), outcomes


def failures(outcomes: list[Outcome]) -> list[Outcome]:
    """Files that crashed, lost their expected text or came out garbled."""
    return [o for o in outcomes if o.error or o.text_ok is False or (o.garbled and not o.garbled_at_source)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", nargs="?", type=Path, help="feedparser's tests/encoding folder")
    parser.add_argument("--json", type=Path, help="write the summary and every file's outcome here")
    parser.add_argument("--list-failures", action="store_true", help="print each failing file")
    args = parser.parse_args(argv)
    corpus = args.corpus or default_corpus()
    if not corpus.is_dir():
        print(f"no corpus at {corpus}: run scripts/fetch_feed_corpus.py (make install)", file=sys.stderr)
        return 2
    summary, outcomes = run(corpus)
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    for key, value in summary.items():
        print(f"{key:>34}: {value}")
    if args.list_failures:
        for o in failures(outcomes):
            print(f"FAIL {o.name} [{o.content_type}] {o.error} {o.expected} garbled={o.garbled}")
        for o in outcomes:
            if o.expectation_ok is False:
                print(f"expectation not met: {o.name}: {o.description}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"summary": summary, "files": [asdict(o) for o in outcomes]}, indent=1, ensure_ascii=False
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
