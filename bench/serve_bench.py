"""Request latencies of `kg serve` (p50/p95, ms) on a data folder, loopback only.

Starts the real server (`kg serve`) on 127.0.0.1 and a free port, warms it, then times each
kind of request the explorer makes (search, expand, facts, path, a SPARQL query) N times,
one client; then C clients x R mixed requests at once (errors counted, p95 reported).
Every loop is bounded in count; the server is stopped at the end.

Example
-------
    python bench/serve_bench.py --data data -n 50 --clients 20 --requests 50
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.test_serve import Served  # noqa: E402 - the tests' server helper

QUERY = "SELECT ?c ?l WHERE { ?c a dai:Company ; rdfs:label ?l } ORDER BY ?l LIMIT 20"


def timed(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return (time.perf_counter() - started) * 1000, status


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="data")
    ap.add_argument("-n", type=int, default=50, help="requests of each kind")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=50, help="requests per client")
    ap.add_argument("--actor", default="dod", help="the actor to expand")
    ap.add_argument("--pair", default="dod,openai-public-sector", help="the relation whose facts are read")
    ap.add_argument("--path", default="anduril,cdao", help="the two ends of a path")
    ap.add_argument("--search", default="defense")
    args = ap.parse_args()
    served = Served(Path(args.data).resolve())
    a, b = args.pair.split(",")
    p, q = args.path.split(",")
    kinds = {
        "search": f"/api/search?q={urllib.parse.quote(args.search)}",
        "expand": f"/api/expand?id={args.actor}&limit=50",
        "facts": f"/api/facts?a={a}&b={b}",
        "path": f"/api/path?a={p}&b={q}",
        "sparql": "/sparql?" + urllib.parse.urlencode({"query": QUERY}),
        "page": "/",
    }
    try:
        for path in kinds.values():  # warm: the adjacency, the search index
            timed(served.url + path)
        rows = []
        for kind, path in kinds.items():
            times = [timed(served.url + path)[0] for _ in range(args.n)]
            rows.append({"request": kind, "p50_ms": round(pct(times, 50), 1), "p95_ms": round(pct(times, 95), 1)})
        mixed = list(kinds.values())
        times, errors = [], []

        def client(k: int) -> None:
            for i in range(args.requests):
                ms, status = timed(served.url + mixed[(i + k) % len(mixed)])
                times.append(ms)
                if status != 200:
                    errors.append(status)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rows.append({"request": f"mixed, {args.clients} clients x {args.requests}", "p50_ms": round(pct(times, 50), 1),
                     "p95_ms": round(pct(times, 95), 1), "errors": len(errors)})
    finally:
        served.stop()
    print(json.dumps(rows, indent=1))
    for r in rows:
        print(f"{r['request']:<28} p50 {r['p50_ms']:>8.1f} ms  p95 {r['p95_ms']:>8.1f} ms"
              + (f"  errors {r['errors']}" if "errors" in r else ""))


if __name__ == "__main__":
    main()
