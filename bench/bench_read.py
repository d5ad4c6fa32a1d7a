"""What tolerant reading costs: strict decoding vs ``newsflow.versions.read`` of enriched records.

CPU only (no Kafka, no Elasticsearch): the indexer reads every enriched record once, so this is the
per-record price of reading tolerantly (unknown fields kept, open enums, the version dispatch). It
measures, per record, in microseconds (median and minimum of ``--repeat`` passes over ``--n`` records):

- ``decode``: the strict ``newsflow.serde.decode`` of today's records (what consumers did before);
- ``read``: ``newsflow.versions.read`` of the same records;
- ``read next``: ``read`` of records a next release writes (tests/support/next_release.py: an
  optional field per level, a new entity type, a new topic code);
- ``read v1 as v2``: a version-2 reader reading today's version-1 records (the upgrade path).

    .venv/bin/python bench/bench_read.py [--n 2000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support: the next release's records

from bench_indexer import make_articles

from newsflow.models import EnrichedArticle
from newsflow.serde import decode, encode
from newsflow.versions import ENRICHED, read
from tests.support.next_release import ENRICHED_V2, next_enriched


def per_record_us(
    steps: dict[str, tuple[list[bytes], Callable[[bytes], object]]], repeat: int
) -> dict[str, list[float]]:
    """Microseconds per record of each step, one figure per pass; the steps take turns within each
    pass, so a burst of load from elsewhere on the machine falls on all of them alike."""
    passes: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeat):
        for name, (values, step) in steps.items():
            start = time.perf_counter()
            for value in values:
                step(value)
            passes[name].append((time.perf_counter() - start) / len(values) * 1e6)
    return passes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=2000, help="records per pass")
    parser.add_argument("--repeat", type=int, default=7, help="passes (the median is reported)")
    args = parser.parse_args()
    today = [encode(a) for a in make_articles(args.n, 14)]
    following = [next_enriched(v) for v in today]
    steps: dict[str, tuple[list[bytes], Callable[[bytes], object]]] = {
        "decode (strict, before)": (today, lambda v: decode(v, EnrichedArticle)),
        "read (tolerant)": (today, lambda v: read(v, ENRICHED)),
        "read next-release records": (following, lambda v: read(v, ENRICHED)),
        "read v1 as v2 (upgrade)": (today, lambda v: read(v, ENRICHED_V2)),
    }
    size = sum(len(v) for v in today) // len(today)
    print(f"enriched records: {args.n} x {args.repeat} passes, {size} bytes each on average")
    print(f"  {'':<28} {'median':>8} {'min':>8}  µs/record")
    for name, figures in per_record_us(steps, args.repeat).items():
        print(f"  {name:<28} {statistics.median(figures):8.1f} {min(figures):8.1f}")
    print(f"command: .venv/bin/python bench/bench_read.py --n {args.n} --repeat {args.repeat}")


if __name__ == "__main__":
    main()
