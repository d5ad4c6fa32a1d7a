"""Listener ports of the local stack and pipelines: free, distinct, never in the ephemeral range."""

from __future__ import annotations

import socket
from pathlib import Path

from newsflow.local import processes


def test_free_ports_are_distinct_bindable_and_outside_the_ephemeral_range() -> None:
    low, high = processes.ephemeral_range()
    ports = processes.free_ports(12)
    assert len(set(ports)) == 12
    for port in ports:
        assert not low <= port <= high, f"{port} is in the ephemeral range {low}-{high}"
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", port))  # raises if something holds it


def test_a_held_port_is_never_handed_out() -> None:
    pool = processes.listen_port_pool()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", pool.start))
        held.listen()
        for _ in range(50):
            assert pool.start not in processes.free_ports(20)


def test_the_pool_follows_the_kernel_range(tmp_path: Path) -> None:
    assert processes.listen_port_pool((32768, 60999)) == range(10000, 32768)
    assert processes.listen_port_pool((1024, 60999)) == range(61000, 65536)  # no room below: above
    assert processes.listen_port_pool((1024, 65000)) == range(10000, 65536)  # no room at all
    odd = tmp_path / "range"
    odd.write_text("20000\t50000\n")
    assert processes.ephemeral_range(odd) == (20000, 50000)
    odd.write_text("garbage")
    assert processes.ephemeral_range(odd) == (32768, 60999)
