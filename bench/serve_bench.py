"""Request latencies of `kg serve` (p50/p95, ms) on a data folder, loopback only, against
the issue's targets.

Starts the real server (`kg serve`) on 127.0.0.1 and a free port and times until its
search index is made (a new store generation: once, in a thread as it starts; the API
answers 503 meanwhile, polled once a second and timed) or read back, then, warm, each kind
of request the explorer makes, N times, one client:

- search: several queries in turn (a name, an identifier prefix, words of quotes, a source
  title), target p95 <= 150 ms;
- expand: the actor with the most relations of the whole graph (the first of
  /api/start; how many: in the JSON), first page of 50 (the display's cap), target
  <= 300 ms; and the same with a date range (read fact by fact from the index);
- facts: its largest relation, first page, target <= 150 ms;
- path: from that actor to the last-ranked actor of the first view, target <= 1 s;
- a SPARQL query, the explorer page;
- first frame: headless Chromium opening the explorer until it has drawn its first view
  (``window.kgReady``), target <= 1.5 s (``--browser``, needs chromium and chromedriver);

then C clients x R mixed requests of the explorer at once (errors counted, p95 reported). Every loop is
bounded in count; the server is stopped at the end. Then the two expands again N times in
this process (``Explorer.expand`` on the same store, no HTTP): what the server adds.
Results: a table on stdout and ``bench/out/serve_bench.json``.

Example
-------
    python bench/serve_bench.py --data data -n 50 --clients 20 --requests 50 --browser
    # 100,000 awards:
    python bench/scale_data.py --rows 100000 -o F.csv; cp -r data D; kg import usaspending F.csv --data D
    python bench/serve_bench.py --data D -n 30 --browser
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.test_serve import Served  # noqa: E402 - the tests' server helper

QUERY = "SELECT ?c ?l WHERE { ?c a dai:Company ; rdfs:label ?l } ORDER BY ?l LIMIT 20"
SEARCHES = ["lockheed", "department of the air force", "us-office", "tactical funding increase",
            "missile defense", "innovators league", "pentagone", "zz"]
TARGETS = {"search": 150, "expand": 300, "expand, dated": 300, "facts": 150, "path": 1000, "first frame": 1500}


def timed(url: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=600) as r:
            body = r.read()
            status = r.status
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    return (time.perf_counter() - started) * 1000, status, body


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def first_frame(url: str, runs: int) -> list[float]:
    """Milliseconds from navigation to the explorer's first view drawn, in headless Chromium."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.test_html_export import CHROMEDRIVER, CHROMIUM

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1440,900",
                "--use-angle=swiftshader", "--enable-unsafe-swiftshader"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    out = []
    try:
        for _ in range(runs + 1):  # the first: the browser's own cold start, not counted
            driver.get("about:blank")
            started = time.perf_counter()
            driver.get(url)
            WebDriverWait(driver, 120, poll_frequency=0.01).until(lambda d: d.execute_script(
                "return window.kgReady === true"))
            out.append((time.perf_counter() - started) * 1000)
    finally:
        driver.quit()
    return out[1:]


def in_process(data: Path, node: str, since: str, until: str, n: int) -> list[dict]:
    """p50/p95 of ``Explorer.expand`` of ``node`` (first page of 50), plain and dated, in
    this process (the server stopped, its index read back)."""
    from graph.serve.api import Explorer
    from graph.store import open_store

    rows = []
    with open_store(data_dir=str(data)) as store:
        explorer = Explorer(store)
        try:
            for kind, dates in (("expand", {}), ("expand, dated", {"since": since, "until": until})):
                explorer.expand(node, limit=50, **dates)  # warm
                times = []
                for _ in range(n):
                    began = time.perf_counter()
                    explorer.expand(node, limit=50, **dates)
                    times.append((time.perf_counter() - began) * 1000)
                rows.append({"request": f"{kind}, in process", "p50_ms": round(pct(times, 50), 1),
                             "p95_ms": round(pct(times, 95), 1), "actor": node})
        finally:
            explorer.close()
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="data")
    ap.add_argument("-n", type=int, default=50, help="requests of each kind")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--requests", type=int, default=50, help="requests per client")
    ap.add_argument("--browser", action="store_true", help="also time the first frame in headless Chromium")
    args = ap.parse_args()
    started = time.perf_counter()
    served = Served(Path(args.data).absolute(), "--timeout", "600", index=False)
    rows = [{"request": "server start", "p50_ms": round((time.perf_counter() - started) * 1000, 1)}]
    try:
        busy = []  # while the index is made, the API answers 503 at once (polled once a second)
        for _ in range(4 * 3600):
            ms, status, _b = timed(served.url + "/api/search?q=warm")
            if status != 503:
                break
            busy.append(ms)
            time.sleep(1)
        rows.append({"request": "index made or read (since start)",
                     "p50_ms": round((time.perf_counter() - started) * 1000, 1)})
        if busy:
            rows.append({"request": f"503 while made ({len(busy)} polls)", "p50_ms": round(pct(busy, 50), 1),
                         "p95_ms": round(pct(busy, 95), 1)})
        ms, _s, _b = timed(served.url + "/api/search?q=warm")
        rows.append({"request": "first search after", "p50_ms": round(ms, 1)})
        ms, _s, body = timed(served.url + "/api/start?n=40")
        rows.append({"request": "first view (/api/start)", "p50_ms": round(ms, 1)})
        start = json.loads(body)
        top = max(start["actors"], key=lambda a: a["relations"])
        far = start["actors"][-1]["id"]
        expanded = json.loads(timed(served.url + f"/api/expand?id={top['id']}&limit=50")[2])
        other = expanded["neighbours"][0]["id"]
        dates = sorted(lk["first"] for n in expanded["neighbours"] for lk in n["links"] if lk["first"])
        since, until = (dates[len(dates) // 4][:4], dates[-1][:4]) if dates else ("2020", "2030")
        print(f"expand: {top['id']} ({top['relations']:,} relations); facts: {top['id']} - {other}; "
              f"path: {top['id']} - {far}", file=sys.stderr)
        kinds = {
            "search": [f"/api/search?q={urllib.parse.quote(q)}" for q in SEARCHES],
            "expand": [f"/api/expand?id={top['id']}&limit=50"],
            "expand, dated": [f"/api/expand?id={top['id']}&limit=50&since={since}&until={until}"],
            "facts": [f"/api/facts?a={top['id']}&b={other}"],
            "path": [f"/api/path?a={top['id']}&b={far}"],
            "sparql": ["/sparql?" + urllib.parse.urlencode({"query": QUERY})],
            "page": ["/"],
        }
        for paths in kinds.values():  # warm
            for path in paths:
                timed(served.url + path)
        for kind, paths in kinds.items():
            times = [timed(served.url + paths[i % len(paths)])[0] for i in range(args.n)]
            rows.append({"request": kind, "p50_ms": round(pct(times, 50), 1), "p95_ms": round(pct(times, 95), 1)})
            if kind.startswith("expand"):
                rows[-1].update(actor=top["id"], relations=top["relations"])
        if args.browser:
            times = first_frame(served.url + "/", max(3, args.n // 10))
            rows.append({"request": "first frame", "p50_ms": round(pct(times, 50), 1),
                         "p95_ms": round(pct(times, 95), 1)})
        # the explorer's requests (the SPARQL endpoint has its own limit, four queries at once,
        # and answers 503 "busy" past it: measured alone above)
        mixed = [p for kind, paths in kinds.items() if kind != "sparql" for p in paths]
        times, errors = [], []

        def client(k: int) -> None:
            for i in range(args.requests):
                ms, status, _b = timed(served.url + mixed[(i + k) % len(mixed)])
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
    rows += in_process(Path(args.data), top["id"], since, until, args.n)
    for r in rows:
        if r["request"] in TARGETS:
            r["target_ms"] = TARGETS[r["request"]]
            r["met"] = r["p95_ms"] <= TARGETS[r["request"]]
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    (out / "serve_bench.json").write_text(json.dumps({"data": str(args.data), "dated": [since, until], "rows": rows},
                                                     indent=1) + "\n")
    for r in rows:
        p95 = f"  p95 {r['p95_ms']:>8.1f} ms" if "p95_ms" in r else ""
        target = (f"  target {r['target_ms']:,} ms: {'met' if r['met'] else 'NOT met'}" if "target_ms" in r else "")
        print(f"{r['request']:<34} p50 {r['p50_ms']:>8.1f} ms{p95}{target}"
              + (f"  errors {r['errors']}" if "errors" in r else ""))


if __name__ == "__main__":
    main()
