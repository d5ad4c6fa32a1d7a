"""Issue 7, scenario 11: API keys, HMAC secrets, Kafka and Elasticsearch credentials never show up in
logs, error answers or the ``repr`` of settings; the security settings build the right client options."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from pydantic import SecretStr

from newsflow.index.client import client_kwargs, make_async_es, make_es
from newsflow.ingest.auth import KeyEntry, KeyStore, hash_key, sign
from newsflow.ingest.keys import create_api_key
from newsflow.kafka import connection_kwargs
from newsflow.local.processes import free_port
from newsflow.settings import ElasticsearchSettings, KafkaSettings

ROOT = Path(__file__).resolve().parents[2]
HMAC_SECRET = "hmac-S3CRET-d41f9a77e2"
SASL_PASSWORD = "sasl-P4SSWORD-8c1e5b0f"
ES_API_KEY = "es-APIKEY-b7e03c92aa"
ES_PASSWORD = "es-P4SSWORD-31d8e6f0"
SECRETS = (HMAC_SECRET, SASL_PASSWORD, ES_API_KEY, ES_PASSWORD)


# ------------------------------------------------------------------------ settings and client kwargs


def test_settings_and_key_objects_never_show_secrets_in_repr_str_or_dumps() -> None:
    kafka = KafkaSettings(
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="newsflow",
        sasl_password=SASL_PASSWORD,
    )
    es = ElasticsearchSettings(url="https://es.example.com:9200", api_key=ES_API_KEY, password=ES_PASSWORD)
    entry = KeyEntry(key_id="k-1", source="acme", sha256=hash_key("nfk_x"), hmac_secret=HMAC_SECRET)
    principal = KeyStore([entry]).authenticate("nfk_x")
    assert principal is not None
    for obj in (kafka, es, entry, principal):
        for text in (repr(obj), str(obj), f"{obj}", f"{obj!r}"):
            for secret in SECRETS:
                assert secret not in text, (type(obj).__name__, text)
    for model in (kafka, es, entry):
        dumped = model.model_dump_json() + str(model.model_dump())
        assert not any(secret in dumped for secret in SECRETS), dumped
        assert "**********" in dumped
    # The real values are still there for the clients that need them.
    assert kafka.sasl_password is not None and kafka.sasl_password.get_secret_value() == SASL_PASSWORD


def test_kafka_security_settings_become_client_options(tmp_path: Path) -> None:
    from_env = {
        "NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS": "broker-1:9096,broker-2:9096",
        "NEWSFLOW_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "NEWSFLOW_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "NEWSFLOW_KAFKA_SASL_USERNAME": "newsflow",
        "NEWSFLOW_KAFKA_SASL_PASSWORD": SASL_PASSWORD,
    }
    old = {k: os.environ.get(k) for k in from_env}
    os.environ.update(from_env)
    try:
        settings = KafkaSettings()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    kwargs = connection_kwargs(settings)
    assert kwargs["security_protocol"] == "SASL_SSL"
    assert kwargs["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (kwargs["sasl_plain_username"], kwargs["sasl_plain_password"]) == ("newsflow", SASL_PASSWORD)
    assert kwargs["ssl_context"].verify_mode.name == "CERT_REQUIRED"  # TLS verifies the broker
    assert kwargs["ssl_context"].check_hostname is True
    sasl_plain = KafkaSettings(
        security_protocol="SASL_PLAINTEXT",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_username="newsflow",
        sasl_password=SecretStr(SASL_PASSWORD),
    )
    assert "ssl_context" not in connection_kwargs(sasl_plain)
    with pytest.raises(ValueError, match="SASL needs") as refused:
        connection_kwargs(KafkaSettings(security_protocol="SASL_SSL", sasl_mechanism="PLAIN"))
    assert SASL_PASSWORD not in str(refused.value)
    with pytest.raises(FileNotFoundError):  # a CA file that does not exist stops start-up
        connection_kwargs(KafkaSettings(security_protocol="SSL", ssl_cafile=tmp_path / "missing-ca.pem"))


def test_elasticsearch_api_key_basic_auth_and_tls_become_client_options(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    api = client_kwargs(
        ElasticsearchSettings(url="https://es.example.com:9200", api_key=ES_API_KEY, ca_certs=ca)
    )
    assert api["api_key"] == ES_API_KEY and "basic_auth" not in api
    assert api["verify_certs"] is True and api["ca_certs"] == str(ca)
    basic = client_kwargs(
        ElasticsearchSettings(url="https://es.example.com:9200", username="newsflow", password=ES_PASSWORD)
    )
    assert basic["basic_auth"] == ("newsflow", ES_PASSWORD) and "api_key" not in basic
    plain = client_kwargs(ElasticsearchSettings(url="http://127.0.0.1:9200"))
    assert not {"api_key", "basic_auth", "verify_certs", "ca_certs"} & set(plain)
    # The client objects themselves do not reveal the credentials.
    settings = ElasticsearchSettings(
        url="https://es.example.com:9200",
        api_key=ES_API_KEY,
    )
    sync_client = make_es(settings)
    try:
        assert ES_API_KEY not in repr(sync_client) and ES_API_KEY not in str(sync_client)
    finally:
        sync_client.close()
    async_client = make_async_es(settings)
    assert ES_API_KEY not in repr(async_client)


# --------------------------------------------------------------------- processes that fail every way


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", *args], cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    try:
        yield started
    finally:
        for proc in started:
            _stop(proc)


def _wait_http(url: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {timeout_s}s")


def test_secrets_never_appear_in_logs_or_error_answers(
    kafka_bootstrap: str,
    tmp_path: Path,
    unique_name: Callable[..., str],
    processes: list[subprocess.Popen[bytes]],
) -> None:
    """ingest and indexer run as processes at DEBUG log level with an API key, an HMAC secret, a Kafka
    SASL password (which the PLAINTEXT broker cannot accept, so Kafka is effectively down) and
    Elasticsearch credentials (for a node that is not there); every request fails in its own way, then
    every log line and every answer body is searched for the secrets."""
    keys_file = tmp_path / "api-keys.json"
    api_key = create_api_key(keys_file, "acme", hmac_secret=HMAC_SECRET)
    assert api_key not in keys_file.read_text() and HMAC_SECRET in keys_file.read_text()
    assert keys_file.stat().st_mode & 0o777 == 0o600
    ingest_port, indexer_port, dead_port = free_port(), free_port(), free_port()
    topic = unique_name("sec-secret")
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "NEWSFLOW_LOG_LEVEL": "DEBUG",
        "NEWSFLOW_LOG_FORMAT": "json",
        "NEWSFLOW_KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "NEWSFLOW_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "NEWSFLOW_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "NEWSFLOW_KAFKA_SASL_USERNAME": "newsflow",
        "NEWSFLOW_KAFKA_SASL_PASSWORD": SASL_PASSWORD,
        "NEWSFLOW_ES_URL": f"http://127.0.0.1:{dead_port}",
        "NEWSFLOW_ES_API_KEY": ES_API_KEY,
        "NEWSFLOW_ES_USERNAME": "newsflow",
        "NEWSFLOW_ES_PASSWORD": ES_PASSWORD,
        "NEWSFLOW_TOPIC_RAW": topic,
        "NEWSFLOW_TOPIC_ENRICHED": f"{topic}-enriched",
        "NEWSFLOW_TOPIC_DLQ": f"{topic}-dlq",
        "NEWSFLOW_INGEST_HOST": "127.0.0.1",
        "NEWSFLOW_INGEST_PORT": str(ingest_port),
        "NEWSFLOW_INGEST_API_KEYS_FILE": str(keys_file),
        "NEWSFLOW_INGEST_STARTUP_WAIT_S": "2",
        "NEWSFLOW_INGEST_PUBLISH_TIMEOUT_S": "2",
        "NEWSFLOW_INGEST_MAX_BODY_BYTES": "4096",
        "NEWSFLOW_INDEXER_HTTP_HOST": "127.0.0.1",
        "NEWSFLOW_INDEXER_HTTP_PORT": str(indexer_port),
        "NEWSFLOW_INDEXER_GROUP_ID": unique_name("sec-indexer"),
        "NEWSFLOW_INDEXER_BACKOFF_MAX_SECONDS": "1",
    }
    ingest_log, indexer_log = tmp_path / "ingest.log", tmp_path / "indexer.log"
    processes.append(_spawn(["services.ingest"], env, ingest_log))
    processes.append(_spawn(["services.indexer"], env, indexer_log))
    base = f"http://127.0.0.1:{ingest_port}"
    _wait_http(base + "/healthz")

    article = {"id": "s-1", "url": "https://acme.example.com/s", "title": "Secret test", "body": "Body"}
    body = orjson.dumps(article)
    stamp = int(time.time())
    good_sig = {"X-Newsflow-Timestamp": str(stamp), "X-Newsflow-Signature": sign(HMAC_SECRET, body, stamp)}
    near_miss = api_key[:-2] + ("AA" if not api_key.endswith("AA") else "BB")
    json_ct = {"content-type": "application/json"}
    answers: list[httpx.Response] = []
    with httpx.Client(base_url=base, timeout=30) as http:
        answers += [
            http.post("/v1/articles", content=body, headers=json_ct),
            http.post(
                "/v1/articles", content=body, headers={**json_ct, "Authorization": f"Bearer {near_miss}"}
            ),
            http.post("/v1/articles", content=body, headers={**json_ct, "X-API-Key": api_key + " extra"}),
            http.post(
                "/v1/articles", content=body, headers={**json_ct, "Authorization": f"Bearer {api_key}"}
            ),
            http.post(
                "/v1/articles",
                content=body,
                headers={
                    **json_ct,
                    "Authorization": f"Bearer {api_key}",
                    **good_sig,
                    "X-Newsflow-Signature": "sha256=00",
                },
            ),
            http.post(
                "/v1/articles",
                content=b"x" * 5000,
                headers={**json_ct, "Authorization": f"Bearer {api_key}"},
            ),
            # Correctly signed and authenticated: only Kafka (SASL refused) is in the way -> 503.
            http.post(
                "/v1/articles",
                content=body,
                headers={**json_ct, "Authorization": f"Bearer {api_key}", **good_sig},
            ),
            http.get("/readyz"),
            http.get("/metrics"),
        ]
    statuses = [r.status_code for r in answers]
    assert statuses[:7] == [401, 401, 401, 401, 401, 413, 503], [(r.status_code, r.text) for r in answers]
    assert statuses[7] == 503
    time.sleep(3)  # let the indexer's Kafka and Elasticsearch retries log a few failures
    for proc in processes:
        _stop(proc)
    logs = ingest_log.read_text(errors="replace") + indexer_log.read_text(errors="replace")
    assert "kafka" in logs.lower() and len(logs.splitlines()) > 5, logs[-2000:]
    texts = {
        "logs": logs,
        **{f"answer {i} ({r.status_code})": r.text + str(r.headers) for i, r in enumerate(answers)},
    }
    for where, text in texts.items():
        for secret in (*SECRETS, api_key, near_miss, api_key[4:]):
            assert secret not in text, f"{secret!r} appears in {where}"
