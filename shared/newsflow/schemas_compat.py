"""The contract compatibility check of ``make lint``: today's JSON Schemas against the released ones.

``python -m newsflow.schemas_compat`` compares every contract's current schema (``newsflow
schemas``) with the last released schema of the same version, kept in ``docs/schemas/released/``,
and fails on a change that breaks either direction (docs/contracts.md):

- backward: a consumer of today reading records written by the released version (years of them
  stay in the compacted topics): a field that became required, a narrower type or constraint,
  an enum value removed from a closed enum;
- forward: a consumer of the released version reading today's records (during a rolling upgrade):
  a required field removed, a wider type or constraint, a value added to a closed enum.

Compatible: adding an optional field, removing an optional one, adding a value to an open enum,
titles and descriptions. Anything it cannot prove compatible is reported. Every released version
that is no longer the current one must still have a reader (an upgrade in :mod:`newsflow.versions`).
``--release`` copies today's schemas into the released directory once they are compatible.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from newsflow.models import OPEN_ENUM_KEYWORD
from newsflow.schemas import json_schemas
from newsflow.versions import READERS, Reader

RELEASED = Path("docs/schemas/released")
#: Keywords that document and never change what a reader accepts.
_NOTES = {"title", "description", "examples", "$comment"}

Schema = dict[str, Any]

_BUMP = (
    "Breaking change: bump the contract's schema_version (its *_SCHEMA_VERSION in newsflow.models),"
    " add a reader for the released version (an upgrade in newsflow.versions), then release the new"
    " schemas with `python -m newsflow.schemas_compat --release` (docs/contracts.md)."
)


def _resolve(node: Schema, root: Schema) -> Schema:
    """``node`` with its ``$ref`` (into ``root``'s ``$defs``) replaced by what it points to."""
    while "$ref" in node:
        target = root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def breaks(old: Schema, new: Schema) -> list[str]:
    """What in ``new`` breaks compatibility with ``old`` (both whole schemas), one line each."""
    return _compare(old, new, "", old, new)


def _compare(old: Schema, new: Schema, path: str, old_root: Schema, new_root: Schema) -> list[str]:
    old, new = _resolve(old, old_root), _resolve(new, new_root)
    where = path or "<root>"
    found: list[str] = []
    for key in sorted((old.keys() | new.keys()) - _NOTES - {"$defs", "required"}):
        before, after = old.get(key), new.get(key)
        if key == "properties":
            found += _properties(old, new, path, old_root, new_root)
        elif key == "enum":
            found += _enum(old, new, where)
        elif key == OPEN_ENUM_KEYWORD:
            if before and not after:
                found.append(f"{where}: the enum is closed now: readers of today refuse new values")
        elif key == "additionalProperties" and not isinstance(before, dict | None):
            continue  # true/false on a model: readers ignore unknown fields whatever it says
        elif (
            key in ("items", "additionalProperties") and isinstance(before, dict) and isinstance(after, dict)
        ):
            found += _compare(
                before, after, f"{path}[]" if key == "items" else f"{path}{{}}", old_root, new_root
            )
        elif (
            key == "anyOf"
            and isinstance(before, list)
            and isinstance(after, list)
            and len(before) == len(after)
        ):
            for i, (b, a) in enumerate(zip(before, after, strict=True)):
                found += _compare(b, a, f"{path}|{i}", old_root, new_root)
        elif before != after:
            found.append(f"{where}: {key} changed from {_show(before)} to {_show(after)}")
    return found


def _properties(old: Schema, new: Schema, path: str, old_root: Schema, new_root: Schema) -> list[str]:
    before, after = old.get("properties", {}), new.get("properties", {})
    required_before, required_after = set(old.get("required", ())), set(new.get("required", ()))
    found: list[str] = []
    prefix = f"{path}." if path else ""
    for name in sorted(before.keys() - after.keys()):
        if name in required_before:
            found.append(
                f"{prefix}{name}: a required field was removed:"
                " readers of the released version refuse records without it"
            )
    for name in sorted(after.keys() - before.keys()):
        if name in required_after:
            found.append(f"{prefix}{name}: added as a required field: records already written do not have it")
    for name in sorted(before.keys() & after.keys()):
        if name in required_after and name not in required_before:
            found.append(f"{prefix}{name}: became required: records already written may not have it")
        elif name in required_before and name not in required_after:
            found.append(f"{prefix}{name}: became optional: readers of the released version require it")
        found += _compare(before[name], after[name], f"{prefix}{name}", old_root, new_root)
    return found


def _enum(old: Schema, new: Schema, where: str) -> list[str]:
    before, after = old.get("enum", []), new.get("enum", [])
    found = []
    removed = [v for v in before if v not in after]
    added = [v for v in after if v not in before]
    if removed and not new.get(OPEN_ENUM_KEYWORD):
        found.append(f"{where}: enum values removed {_show(removed)}: records already written may hold them")
    if added and not old.get(OPEN_ENUM_KEYWORD):
        found.append(
            f"{where}: enum values added {_show(added)}:"
            " readers of the released version refuse them (a closed enum)"
        )
    return found


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _split(stem: str) -> tuple[str, int]:
    name, _, version = stem.rpartition(".v")
    return name, int(version)


def check(
    current: Mapping[str, Schema],
    released: Mapping[str, Schema],
    readers: Mapping[str, Reader[Any]] = READERS,
) -> list[str]:
    """Every problem between today's schemas and the released ones; empty when compatible."""
    problems: list[str] = []
    for stem in sorted(released):
        if stem in current:
            found = breaks(released[stem], current[stem])
            problems += [f"{stem}: {line}" for line in found]
            continue
        name, version = _split(stem)
        reader = readers.get(name)
        if reader is None:
            problems.append(
                f"{stem}: released, and no contract {name!r} exists any more:"
                " records of it stay in the topics"
            )
        elif version not in reader.versions:
            problems.append(
                f"{stem}: released, and {name} version {reader.version} has no reader for version {version}:"
                f" add an upgrade for it to newsflow.versions (its records stay in the compacted topics)"
            )
    return problems


def load(directory: Path) -> dict[str, Schema]:
    """The released schemas in ``directory``, by file stem."""
    return {
        p.name.removesuffix(".json"): json.loads(p.read_text("utf-8"))
        for p in sorted(directory.glob("*.json"))
    }


def release(current: Mapping[str, Schema], directory: Path) -> list[Path]:
    """Write today's schemas into ``directory`` (older released versions stay); return the paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem, schema in current.items():
        path = directory / f"{stem}.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def run(current: Mapping[str, Schema], directory: Path, *, release_them: bool = False) -> int:
    """Check ``current`` against the schemas released in ``directory``; print what is wrong."""
    released = load(directory)
    if not released and not release_them:
        sys.stderr.write(f"no released schemas in {directory}: run with --release to keep today's\n")
        return 1
    problems = check(current, released)
    if problems:
        sys.stderr.write("contract schemas: incompatible with the released ones\n")
        sys.stderr.writelines(f"  {line}\n" for line in problems)
        sys.stderr.write(f"{_BUMP}\n")
        return 1
    if release_them:
        for path in release(current, directory):
            sys.stdout.write(f"released {path}\n")
    else:
        sys.stdout.write(f"contract schemas: compatible with {', '.join(sorted(released))}\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Check (and with ``--release``, release) today's contracts; 0 when compatible, 1 when not."""
    parser = argparse.ArgumentParser(
        prog="python -m newsflow.schemas_compat", description=(__doc__ or "").split("\n")[0]
    )
    parser.add_argument("--released", type=Path, default=RELEASED, help="directory of the released schemas")
    parser.add_argument("--release", action="store_true", help="write today's schemas there once compatible")
    args = parser.parse_args(argv)
    return run(json_schemas(), args.released, release_them=args.release)


if __name__ == "__main__":
    raise SystemExit(main())
