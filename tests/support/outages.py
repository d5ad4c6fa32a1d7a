"""Dependencies that a test takes away and gives back: a throwaway Kafka broker (a real Kafka process
of its own, stopped and started on the same port and data) and a gate in front of Elasticsearch (a
TCP forwarder on 127.0.0.1 that refuses connections and cuts open ones while closed).

The broker is built from the local stack's public pieces (:mod:`newsflow.local.stack.kafka`: config,
storage format, launch, probe) in its own temp dir, so stopping it never touches the session's broker
that other tests share. The gate is needed because the session's Elasticsearch node is shared too:
for a service behind the gate, a closed gate is a node that is down (connection refused), and opening
it again is the node coming back.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from newsflow.local import processes
from newsflow.local.stack import artifacts, jdk
from newsflow.local.stack import kafka as kf
from tests.support.ci import unavailable

_COMPONENT = "kafka"


class ThrowawayKafka:
    """One single-node KRaft broker in a temp dir; formatted at creation, not started."""

    def __init__(self, root: Path) -> None:
        try:
            self._dist = artifacts.ensure_kafka(artifacts.default_cache_dir())
            self._java = jdk.find_java(17, override_env="NEWSFLOW_KAFKA_JAVA_HOME")
        except (artifacts.ArtifactError, jdk.JavaNotFoundError) as exc:
            unavailable(f"no local Kafka distribution/JDK for a throwaway broker: {exc}")
        self.root = root
        self.layout = kf.KafkaLayout(root)
        self.port, controller_port = processes.free_ports(2)
        kf.write_config(self.layout, self.port, controller_port)
        kf.format_storage(self._dist, self._java, self.layout, root, kf.new_cluster_id())
        self.pid: int | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 90.0) -> None:
        """Launch the broker and wait until it answers a metadata request."""
        if self.pid is not None:
            return
        self.pid = kf.launch(self._dist, self._java, self.layout, self.root, heap="256m")
        deadline = time.monotonic() + timeout_s
        while not kf.kafka_answers(self.bootstrap, timeout=3.0):
            assert processes.pid_alive(self.pid), processes.tail(self.layout.stdout, 40)
            assert time.monotonic() < deadline, f"throwaway broker not answering after {timeout_s:.0f}s"
            time.sleep(0.5)

    def stop(self, *, force: bool = False) -> None:
        """Stop the broker (SIGTERM, SIGKILL after 30 s; ``force``: SIGKILL at once) and wait for it."""
        if self.pid is None:
            return
        processes.stop_pid(
            self.pid, processes.marker_args(self.root, _COMPONENT), _COMPONENT, grace=30.0, force=force
        )
        self.pid = None


@contextlib.contextmanager
def throwaway_kafka() -> Iterator[ThrowawayKafka]:
    """A formatted, not yet started broker; stopped and removed after the block."""
    root = Path(tempfile.mkdtemp(prefix="newsflow-throwaway-kafka-"))
    broker = ThrowawayKafka(root)
    try:
        yield broker
    finally:
        broker.stop(force=True)
        shutil.rmtree(root, ignore_errors=True)


class TcpGate:
    """Forwards 127.0.0.1:<port> to ``target`` while open; while closed, the port refuses
    connections and every connection that was open is cut."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = processes.free_port()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self._conns: set[socket.socket] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def is_open(self) -> bool:
        return self._listener is not None

    def open(self) -> None:
        with self._lock:
            if self._listener is not None:
                return
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(64)
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True, name="gate-accept").start()

    def close(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            conns, self._conns = set(self._conns), set()
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        for conn in conns:
            _cut(conn)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed
            try:
                upstream = socket.create_connection(self.target, timeout=5.0)
                upstream.settimeout(None)
            except OSError:
                _cut(client)
                continue
            with self._lock:
                if self._listener is not listener:
                    _cut(client)
                    _cut(upstream)
                    return
                self._conns.update((client, upstream))
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True, name="gate-pump").start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                _cut(sock)
            with self._lock:
                self._conns.discard(src)
                self._conns.discard(dst)


def _cut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


@contextlib.contextmanager
def gate_to(url: str, *, open_: bool = True) -> Iterator[TcpGate]:
    """A :class:`TcpGate` in front of ``http://host:port`` for the block (closed afterwards)."""
    host, _, port = url.removeprefix("http://").rstrip("/").rpartition(":")
    gate = TcpGate(host, int(port))
    if open_:
        gate.open()
    try:
        yield gate
    finally:
        gate.close()
