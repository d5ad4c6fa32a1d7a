"""Backfill readers: JSON object/array, JSON Lines, plain text; bad records reported with file:line."""

from __future__ import annotations

from pathlib import Path

from newsflow.ingest.backfill import read_paths, text_article_id

GOOD = '{"id": "a-1", "url": "https://e.com/1", "title": "One", "body": "Body one"}'


def test_json_object_and_array_with_line_numbers(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text(GOOD)
    (tmp_path / "many.json").write_text(
        "[\n  "
        + GOOD.replace("a-1", "a-2")
        + ',\n  {"title": "no url"},\n  "not an object",\n  '
        + GOOD.replace("a-1", "a-3")
        + "\n]\n"
    )
    records = list(read_paths([tmp_path], source="archive"))
    by_where = {(r.file.name, r.line): r for r in records}
    assert by_where[("one.json", 1)].article is not None
    assert by_where[("many.json", 2)].article is not None
    assert "url" in (by_where[("many.json", 3)].error or "")
    assert "JSON object" in (by_where[("many.json", 4)].error or "")
    last = by_where[("many.json", 5)].article
    assert last is not None and last.id == "archive:a-3" and last.source == "archive"


def test_broken_json_reports_the_line_of_the_error(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("[\n" + GOOD + ',\n{"title": \n]')
    records = list(read_paths([tmp_path / "bad.json"], source="archive"))
    assert records[0].article is not None
    assert records[1].error is not None and records[1].error.startswith("invalid JSON")
    assert records[1].line == 4


def test_jsonl_bad_lines_do_not_stop_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_text(
        GOOD + "\n\n{broken\n" + GOOD.replace("a-1", "a-2").replace('"id"', '"source": "wire", "id"') + "\n"
    )
    records = list(read_paths([path], source="archive"))
    assert [(r.line, r.article is not None) for r in records] == [(1, True), (3, False), (4, True)]
    assert records[2].article is not None and records[2].article.source == "wire"
    assert records[0].article is not None and records[0].article.id == "archive:a-1"
    assert records[2].article.id == "wire:a-2"  # scoped by the record's own source
    assert records[1].where == f"{path}:3"


def test_text_file_title_body_and_id_from_name(tmp_path: Path) -> None:
    path = tmp_path / "trump-xi-phone-call.txt"
    path.write_text("\n\n  A Title  \n\nFirst paragraph.\n\nSecond.\n")
    (record,) = read_paths([path], source="seeds")
    assert record.article is not None
    assert record.article.id == "seeds:trump-xi-phone-call"
    assert record.article.title == "A Title"
    assert record.article.body == "First paragraph.\n\nSecond."
    assert record.article.url.startswith("file://")
    assert record.line == 3


def test_empty_text_file_and_unsupported_file_are_errors(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("\n \n")
    (tmp_path / "x.csv").write_text("a,b")
    records = list(read_paths([tmp_path / "empty.txt", tmp_path / "x.csv"], source="seeds"))
    assert all(r.article is None and r.error for r in records)


def test_already_scoped_ids_are_kept_and_bad_sources_reported(tmp_path: Path) -> None:
    path = tmp_path / "scoped.jsonl"
    path.write_text(GOOD.replace("a-1", "archive:a-1") + "\n" + GOOD.replace("a-1", "other:a-2") + "\n")
    ids = [r.article.id for r in read_paths([path], source="archive") if r.article is not None]
    assert ids == ["archive:a-1", "archive:other:a-2"]
    (tmp_path / "t.txt").write_text("Title\nBody\n")
    records = list(read_paths([path, tmp_path / "t.txt"], source="Not A Source"))
    assert len(records) == 3 and all(r.article is None and "source" in (r.error or "") for r in records)


def test_text_ids_are_made_safe() -> None:
    assert text_article_id(Path("Hello World!.txt")) == "Hello-World"
    assert text_article_id(Path("_x.txt")) == "x"
