"""The ``newsflow`` command: one explicit sub-command table, every entry reachable, none silently lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsflow.cli import build_parser, main, subcommands, use_local_run_defaults
from newsflow.ingest.auth import KeyStore, load_keys

# The public surface: every sub-command the ``newsflow`` command has (nested ones with their actions).
EXPECTED = {
    "stack": ["up", "down", "status"],
    "ingest": [],
    "search": [],
    "reindex": [],
    "status": [],
    "scale": [],
    "topics": [],
    "index": [],
    "run": [],
    "stop": [],
    "schemas": [],
    "keys": ["create"],
}
SUBCOMMAND_MODULES = sorted({module.__name__ for module in subcommands().values()})  # type: ignore[attr-defined]


def _source_of(keys_file: Path, key: str) -> str | None:
    """The source ingest's key store grants ``key``, or None when it refuses it."""
    principal = KeyStore.from_file(keys_file).authenticate(key)
    return principal.source if principal is not None else None


def test_the_table_holds_exactly_the_public_sub_commands() -> None:
    assert set(subcommands()) == set(EXPECTED)


def test_every_sub_command_is_listed_in_the_top_level_help() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "newsflow.cli", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    choices = done.stdout.split("{", 1)[1].split("}", 1)[0].split(",")
    assert sorted(choices) == sorted(EXPECTED)
    for name in EXPECTED:
        assert f"\n    {name} " in done.stdout  # its own help line


@pytest.mark.parametrize(
    "argv",
    [[name] for name in EXPECTED]
    + [[name, action] for name, actions in EXPECTED.items() for action in actions],
)
def test_each_sub_command_parses_help(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .newsflow/run.json here
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--help"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: newsflow {' '.join(argv)} ")


@pytest.mark.parametrize("module", SUBCOMMAND_MODULES)
def test_a_sub_command_module_that_fails_to_import_breaks_the_command(module: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; sys.modules[{module!r}] = None\nfrom newsflow.cli import main\nmain(['--help'])",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "usage: newsflow" not in done.stdout  # never a --help without the broken sub-command
    assert f"import of {module} halted" in done.stderr


def test_a_table_entry_its_module_does_not_register_fails_the_build() -> None:
    table = dict(subcommands())
    table["ghost"] = table["schemas"]
    with pytest.raises(RuntimeError, match="ghost"):
        build_parser(table)


def test_keys_create_writes_a_key_that_ingest_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    keys_file = tmp_path / "keys" / "api-keys.json"
    assert main(["keys", "create", "acme", "--file", str(keys_file)]) == 0
    acme = capsys.readouterr().out.strip()
    assert main(["keys", "create", "other", "--file", str(keys_file)]) == 0
    other = capsys.readouterr().out.strip()

    # What ingest would do with the file: both printed keys authenticate, each as its source.
    assert [_source_of(keys_file, key) for key in (acme, other)] == ["acme", "other"]
    assert _source_of(keys_file, acme + "x") is None


def test_keys_create_defaults_to_the_local_keys_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["keys", "create", "acme"]) == 0
    key = capsys.readouterr().out.strip()
    assert _source_of(tmp_path / ".newsflow" / "api-keys.json", key) == "acme"


def test_the_module_alias_creates_keys_the_same_way(tmp_path: Path) -> None:
    keys_file = tmp_path / "api-keys.json"
    done = subprocess.run(
        [sys.executable, "-m", "newsflow.ingest.keys", "acme", "--file", str(keys_file)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert _source_of(keys_file, done.stdout.strip()) == "acme"
    assert [e.source for e in load_keys(keys_file).keys] == ["acme"]


def test_keys_create_refuses_an_invalid_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError):
        main(["keys", "create", "Not A Source", "--file", str(tmp_path / "k.json")])
    assert not (tmp_path / "k.json").exists()


def test_local_run_defaults_fill_only_what_the_environment_leaves_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_file = tmp_path / "run.json"
    run_file.write_text('{"kafka_bootstrap": "127.0.0.1:1", "elasticsearch_url": "http://127.0.0.1:2"}')
    monkeypatch.delenv("NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS", raising=False)
    monkeypatch.setenv("NEWSFLOW_ES_URL", "http://elsewhere:9200")
    use_local_run_defaults(run_file)
    assert os.environ["NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:1"
    assert os.environ["NEWSFLOW_ES_URL"] == "http://elsewhere:9200"


def test_stack_cluster_options_parse() -> None:
    args = build_parser().parse_args(["stack", "up", "--brokers", "3", "--es-nodes", "3"])
    assert (args.brokers, args.es_nodes) == (3, 3)
    args = build_parser().parse_args(["stack", "down", "--only", "kafka-2", "--force"])
    assert (args.only, args.force) == ("kafka-2", True)
    args = build_parser().parse_args(["run", "--brokers", "3", "--es-nodes", "3"])
    assert (args.brokers, args.es_nodes) == (3, 3)


def test_a_node_name_on_a_single_node_stack_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["stack", "down", "--only", "kafka-2", "--run-dir", str(tmp_path / "stack")])
    assert code == 1
    assert "single-node stack has kafka and elasticsearch" in capsys.readouterr().err


def test_a_node_the_cluster_does_not_have_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = tmp_path / "cluster"
    run_dir.mkdir()
    config = {
        "kafka_ports": [1, 2, 3],
        "kafka_controller_ports": [4, 5, 6],
        "es_ports": [7],
        "es_transport_ports": [8],
        "kafka_cluster_id": "x",
        "es_cluster_name": "y",
    }
    (run_dir / "cluster-config.json").write_text(json.dumps(config))
    code = main(["stack", "down", "--only", "es-2", "--run-dir", str(run_dir)])
    assert code == 1
    assert "no node 'es-2'" in capsys.readouterr().err
