"""How fast the HTML explorer opens, against pyvis' defaults, on the same synthetic graphs.

For each size (default 500, 2,000 and 10,000 actors) this script builds one synthetic actor
graph (:func:`synthetic_actors`), writes two pages and opens each in headless Chromium
(Debian's ``chromium`` and ``chromedriver``), with every http(s) request blocked:

* **ours**: ``graph.exporters.html.generate`` (above 60 actors: positions computed in
  Python, physics off; above 3,000 relations: edge labels and arrows on highlighted edges only);
* **pyvis**: ``pyvis.network.Network(directed=True)`` with its default options (physics on,
  Barnes-Hut, 1,000 stabilisation iterations), ``from_nx`` and ``cdn_resources="in_line"``.

Measured, in ms from navigation start (the page's ``performance.now()``):

* ``drawn``: first frame drawn with the graph in it;
* ``interactive``: our page's ``window.kgReady``; pyvis' ``stabilizationIterationsDone``
  (pyvis keeps the page busy laying out until then, and hides the graph behind a progress bar);
* ``frame_ms`` and ``labels`` (ours, in the JSON only): a redraw at the opening zoom, the
  label layer included (mean of 10), and how many labels it draws;
* ``round_trip``: once interactive, the wall-clock time of a WebDriver call that selects and
  focuses a node and waits for the next frame drawn (our page: search by label, then select).

A page that is not interactive within ``--cap`` seconds (default 120) is reported as
"did not finish". Results are printed as a table and written to ``bench/out/html_bench.json``.

Usage (about 5 minutes; most of it waiting for pyvis)::

    python bench/html_bench.py
    python bench/html_bench.py --sizes 500 2000 10000 --cap 120
    python bench/html_bench.py --sizes 10000 --only ours

:func:`synthetic_actors` is also what the tests use for their 10,000-actor page.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("KG_CHROMEDRIVER", "/usr/bin/chromedriver")

__all__ = ["synthetic_actors", "main"]

# ------------------------------------------------------------------ synthetic graph

_SYL = (
    "ar bel cor dan el fen gal hel ix jor kal lum mar nor oc pra quin ros sel tor ul ver wen xan yor zel "
    "bra cra dro eva fra gra kri lys mon nev ori pel rax sta tek val vor zan"
).split()
_COMPANY_SUFFIX = ["Systems", "Dynamics", "Labs", "Technologies", "Analytics", "Robotics", "Aerospace", "Defense"]
_AGENCY_EN = [
    ("Directorate of Autonomous Systems", "Direction des systèmes autonomes"),
    ("Office of Digital Defence", "Bureau de la défense numérique"),
    ("Agency for Defence Innovation", "Agence de l'innovation de défense"),
    ("Command of Space Operations", "Commandement de l'espace"),
    ("Bureau of Military Intelligence", "Bureau du renseignement militaire"),
    ("Procurement Directorate", "Direction générale de l'armement"),
]
_PROGRAM_EN = [
    ("Target Recognition Programme", "Programme de reconnaissance de cibles"),
    ("Sovereign Cloud Initiative", "Initiative de cloud souverain"),
    ("Counter-Drone Shield", "Bouclier anti-drones"),
    ("Logistics Forecasting Effort", "Effort de prévision logistique"),
    ("Éclair Decision Support", "Aide à la décision Éclair"),
]
_PRODUCT_EN = ["Sentinel", "Argus", "Hélios", "Mistral Edge", "Cortex", "Vigie", "Aegis Lens"]
_ROLES = ["developer", "operator", "vendor", "provider", "participant"]
_EVENTS = ["visit", "announcement", "hearing", "unveiling"]


def _name(rng: random.Random, used: set[str], parts: int = 2) -> str:
    """A new made-up word (one more syllable after a few collisions, so it always ends)."""
    tries = 0
    while True:
        name = "".join(rng.choice(_SYL) for _ in range(parts + tries // 8)).capitalize()
        if name not in used:
            used.add(name)
            return name
        tries += 1


def _day(rng: random.Random, lo: int = 2012, hi: int = 2026) -> dt.date:
    start = dt.date(lo, 1, 1).toordinal()
    return dt.date.fromordinal(rng.randrange(start, dt.date(hi, 12, 31).toordinal()))


def _money(amount: float) -> str:
    for unit, div in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if amount >= div:
            return f"${amount / div:.3g}{unit}"
    return f"${amount:.0f}"


def synthetic_actors(n: int = 10_000, *, seed: int = 20250601) -> nx.MultiDiGraph:
    """A synthetic actor view of about ``n`` actors, shaped like procurement data.

    Same node and edge attributes as :func:`graph.views.actor_view`: a few agencies (one
    tree of sub-units) award contracts to many companies, with heavy-tailed degrees (most
    contractors have one award); partnerships, competition, investments, subsidiaries,
    companies involved in programmes and products, people at events. Labels have French
    forms with accents; facts cite one or two of 40 sources with quotes and https URLs.
    Deterministic for a given ``n`` and ``seed``.

    >>> g = synthetic_actors(300)
    >>> g.number_of_nodes(), g.number_of_edges() > 300
    (300, True)
    >>> sorted({k for _, k in g.nodes(data="kind")})[:2]
    ['Company', 'GovernmentAgency']
    """
    rng = random.Random(seed)
    g = nx.MultiDiGraph()
    used: set[str] = set()
    shares = [("GovernmentAgency", 0.01), ("Organization", 0.03), ("Person", 0.05),
              ("Program", 0.10), ("Product", 0.07)]
    counts = {kind: max(1, round(n * share)) for kind, share in shares}
    counts["Company"] = max(1, n - sum(counts.values()))
    sources = []
    for i in range(40):
        lang = "fr" if i % 3 == 0 else "en"
        title = (f"Rapport de la défense n° {i + 1}" if lang == "fr" else f"Defense procurement review #{i + 1}")
        sources.append({"source": f"src-{i + 1:02d}", "source_title": title, "publisher": f"Publisher {i % 7 + 1}",
                        "url": f"https://example.org/sources/{i + 1}", "language": lang})
    by_kind: dict[str, list[str]] = {}

    def add(kind: str, key: str, label: str, label_fr: str, aliases: list[str], description: str = "") -> None:
        g.add_node(key, kind=kind, label=label, label_fr=label_fr, aliases=aliases, description=description,
                   wikidata="", sources=[rng.choice(sources)["source"]], assertions=[])
        by_kind.setdefault(kind, []).append(key)

    for i in range(counts["GovernmentAgency"]):
        en, fr = _AGENCY_EN[i % len(_AGENCY_EN)]
        word = _name(rng, used)
        add("GovernmentAgency", f"agency-{i:04d}", f"{en} {word}", f"{fr} {word}",
            ["".join(w[0] for w in en.split() if w[0].isupper()) + f"-{word[:3].upper()}"],
            f"A synthetic government agency ({fr.lower()}).")
    for i in range(counts["Company"]):
        word = _name(rng, used, 2 + (i % 5 == 0))
        add("Company", f"company-{i:05d}", f"{word} {rng.choice(_COMPANY_SUFFIX)}", "",
            [word.upper()[:6]] if i % 4 == 0 else [])
    for i in range(counts["Organization"]):
        word = _name(rng, used)
        add("Organization", f"org-{i:04d}", f"{word} Institute", f"Institut {word}", [])
    for i in range(counts["Person"]):
        first, last = _name(rng, used).capitalize(), _name(rng, used, 3).capitalize()
        add("Person", f"person-{i:04d}", f"{first} {last}", "", [f"{first[0]}. {last}"])
    for i in range(counts["Program"]):
        en, fr = _PROGRAM_EN[i % len(_PROGRAM_EN)]
        word = _name(rng, used)
        add("Program", f"program-{i:04d}", f"{en} {word}", f"{fr} {word}", [])
    for i in range(counts["Product"]):
        word = _name(rng, used)
        add("Product", f"product-{i:04d}", f"{rng.choice(_PRODUCT_EN)} {word}", "", [])

    label = nx.get_node_attributes(g, "label")
    serial = [0]

    def fact(u: str, v: str, relation: str, edge_label: str, directed: bool, *, start: dt.date | None = None,
             end: dt.date | None = None, details: dict | None = None) -> None:
        serial[0] += 1
        key = f"{relation.lower()}-{serial[0]:06d}"
        cited = rng.sample(sources, 1 + (rng.random() < 0.3))
        lang_quote = {
            "fr": f"{label[u]} et {label[v]} : {edge_label} (« {relation.lower()} »), selon nos informations.",
            "en": f"{label[u]} and {label[v]}: {edge_label}, the {relation.lower()} was confirmed.",
        }
        citations = [{**s, "quote": lang_quote[s["language"]], "inference": ""} for s in cited]
        srcs = sorted(c["source"] for c in citations)
        shown = dict(details or {})
        if start:
            shown["startDate"] = f"{start.isoformat()} ({', '.join(srcs)})"
        if end:
            shown["endDate"] = f"{end.isoformat()} ({', '.join(srcs)})"
        g.add_edge(u, v, key=key, relation=relation, fact=key, label=edge_label, fact_label=edge_label,
                   directed=directed, start=start.isoformat() if start else "", end=end.isoformat() if end else "",
                   date="", valid_from=start.isoformat() if start else "", valid_to=end.isoformat() if end else "",
                   details=shown, disagreements=[], citations=citations, sources=srcs, assertions=[])

    agencies, companies = by_kind["GovernmentAgency"], by_kind["Company"]
    for i, child in enumerate(agencies[1:], start=1):  # one tree of sub-units
        fact(child, agencies[rng.randrange(0, i)], "SubUnit", "unit of", True)
    weights = [1 / (i + 1) ** 0.9 for i in range(len(agencies))]
    for company in companies:
        awards = 1 if rng.random() < 0.6 else (2 if rng.random() < 0.6 else rng.randint(3, 6))
        for agency in set(rng.choices(agencies, weights, k=awards)):
            start = _day(rng)
            end = start + dt.timedelta(days=rng.choice([365, 730, 1095, 1826]))
            value = math.exp(rng.uniform(math.log(2e5), math.log(5e8)))
            fact(agency, company, "Contract", f"{_money(value)} contract", True, start=start, end=end,
                 details={"value": f"{value:,.0f} USD"})
    big = companies[: max(1, len(companies) // 10)]
    for company in rng.sample(companies, len(companies) // 20):
        parent = rng.choice(big)
        if parent != company:
            fact(company, parent, "Subsidiary", "subsidiary of", True)
    for _ in range(len(companies) // 8):
        a, b = sorted(rng.sample(big, 1) + rng.sample(companies, 1))
        if a != b:
            start = _day(rng)
            fact(a, b, "Partnership", f"partnership ({start.isoformat()[:7]})", False, start=start)
    for _ in range(len(companies) // 16):
        a, b = sorted(rng.sample(big, 2))
        fact(a, b, "Competition", "competitor (direct)", False)
    for _ in range(len(companies) // 25):
        a, b = rng.choice(big), rng.choice(companies)
        if a != b:
            fact(a, b, "Investment", "investor", True, start=_day(rng))
    for target in by_kind["Program"] + by_kind["Product"]:
        for actor in set(rng.choices(companies + by_kind["Organization"], k=rng.randint(1, 3))):
            fact(actor, target, "Involvement", rng.choice(_ROLES), True)
    for person in by_kind["Person"]:
        for target in set(rng.choices(by_kind["Program"] + agencies, k=rng.randint(1, 2))):
            day = _day(rng)
            fact(person, target, "Event", f"{rng.choice(_EVENTS)} ({day.isoformat()[:7]})", True, start=day)
    centrality = nx.degree_centrality(nx.Graph(g)) if len(g) > 1 else {v: 0.0 for v in g}
    for v in g:
        g.nodes[v]["degree_centrality"] = round(centrality[v], 6)
    return g


# ------------------------------------------------------------------------ pyvis page


def pyvis_page(actors: nx.MultiDiGraph, path: Path) -> None:
    """What a pyvis user writes: default ``Network``, ``from_nx``, inline vis-network."""
    from pyvis.network import Network

    simple = nx.DiGraph()
    for node, attrs in actors.nodes(data=True):
        simple.add_node(node, label=attrs["label"], title=f"{attrs['label']} ({attrs['kind']})")
    for u, v, attrs in actors.edges(data=True):
        simple.add_edge(u, v, label=attrs["label"], title=attrs["relation"])
    net = Network(directed=True, cdn_resources="in_line")
    net.from_nx(simple)
    net.write_html(str(path), notebook=False)


# -------------------------------------------------------------------------- browser

_HOOK_PYVIS = """
(function () {
  var held;
  Object.defineProperty(window, "network", {
    configurable: true,
    get: function () { return held; },
    set: function (n) {
      held = n;
      if (n && n.once) {
        n.once("afterDrawing", function () { window.__drawn = performance.now(); });
        n.once("stabilizationIterationsDone", function () { window.__interactive = performance.now(); });
      }
    }
  });
})();
"""


def _driver():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--no-first-run",
                "--window-size=1440,900"):
        options.add_argument(arg)
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    drv.command_executor.client_config.timeout = 30  # a busy page must not hold a call for long
    drv.execute_cdp_cmd("Network.enable", {})
    drv.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["http://*", "https://*"]})
    return drv


def _measure(drv, path: Path, kind: str, probe: tuple[str, str], cap: float) -> dict:
    """Open ``path`` and wait for it to become interactive (or ``cap`` seconds)."""
    from selenium.common.exceptions import TimeoutException

    drv.get("about:blank")
    hook = drv.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _HOOK_PYVIS}) \
        if kind == "pyvis" else None
    drv.set_page_load_timeout(cap)
    drv.set_script_timeout(cap)
    started = time.perf_counter()
    result: dict = {"drawn_ms": None, "interactive_ms": None, "round_trip_ms": None}
    try:
        drv.get(path.as_uri())
        ready = "return window.kgReady === true" if kind == "ours" else "return window.__interactive !== undefined"
        while time.perf_counter() - started < cap:
            if drv.execute_script(ready):
                break
            time.sleep(0.05)
        else:
            raise TimeoutException()
        if kind == "ours":
            result["drawn_ms"] = drv.execute_script("return window.kgDrawnMs")
            result["interactive_ms"] = drv.execute_script("return window.kgReadyMs")
            # a frame at the opening zoom, label layer included (mean of 10 redraws), and the labels it draws
            result["frame_ms"], result["labels"] = drv.execute_async_script("""
                var done = arguments[arguments.length - 1], n = window.kgNetwork, left = 10, t0 = performance.now();
                function next() {
                    if (left-- === 0) { done([Math.round((performance.now() - t0) / 10), window.kgLabels().length]); return; }
                    n.once('afterDrawing', function () { setTimeout(next, 0); });
                    n.redraw();
                }
                next();
            """)
        else:
            result["drawn_ms"] = drv.execute_script("return window.__drawn")
            result["interactive_ms"] = drv.execute_script("return window.__interactive")
        node_id, label = probe
        t0 = time.perf_counter()
        if kind == "ours":
            script = """
                var done = arguments[arguments.length - 1], id = window.kgSearch(arguments[1])[0];
                window.kgSelectNode(id);
                requestAnimationFrame(function () { done(id); });
            """
        else:
            script = """
                var done = arguments[arguments.length - 1];
                network.selectNodes([arguments[0]]); network.focus(arguments[0], {scale: 1});
                requestAnimationFrame(function () { done(arguments[0]); });
            """
        drv.execute_async_script(script, node_id, label)
        result["round_trip_ms"] = round((time.perf_counter() - t0) * 1000)
    except Exception:  # noqa: BLE001 - a page still laying out times WebDriver out in several ways
        result.update(did_not_finish=True, drawn_ms=None, interactive_ms=None, round_trip_ms=None)
        hook = None  # the browser is thrown away: ask it nothing more
    finally:
        if hook:
            drv.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": hook["identifier"]})
    result["wall_s"] = round(time.perf_counter() - started, 1)
    for key in ("drawn_ms", "interactive_ms"):
        if result.get(key) is not None:
            result[key] = round(result[key])
    return result


def _fmt(value, unit: str = "ms") -> str:
    if value is None:
        return "—"
    return f"{value:,.0f} {unit}" if unit else f"{value:,}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 10_000])
    parser.add_argument("--cap", type=float, default=120.0, help="seconds before 'did not finish' (default 120)")
    parser.add_argument("--only", choices=["ours", "pyvis"], help="measure one page kind only")
    parser.add_argument("--out", type=Path, default=OUT / "html_bench.json")
    args = parser.parse_args(argv)

    from graph.exporters.html import generate

    kinds = [args.only] if args.only else ["ours", "pyvis"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            actors = synthetic_actors(n)
            probe_id = max(actors.nodes, key=lambda v: (actors.nodes[v]["degree_centrality"], v))
            probe = (probe_id, actors.nodes[probe_id]["label"])
            for kind in kinds:
                path = Path(tmp) / f"{kind}-{n}.html"
                t0 = time.perf_counter()
                if kind == "ours":
                    path.write_text("".join(generate(actors, title=f"synthetic {n}")), encoding="utf-8")
                else:
                    pyvis_page(actors, path)
                write_s = time.perf_counter() - t0
                drv = _driver()  # one browser per page: a blocked pyvis page must not slow the next one
                try:
                    measured = _measure(drv, path, kind, probe, args.cap)
                finally:
                    try:
                        drv.quit()
                    except Exception:  # noqa: BLE001 - a hung browser: chromedriver's exit ends it
                        drv.service.stop()
                row = {"page": kind, "nodes": actors.number_of_nodes(), "edges": actors.number_of_edges(),
                       "write_s": round(write_s, 2), "bytes": path.stat().st_size, **measured}
                rows.append(row)
                status = "did not finish" if row.get("did_not_finish") else "ok"
                print(f"{kind:>5} {row['nodes']:>6} nodes: {status} {row}", file=sys.stderr, flush=True)

    header = "| page | actors | relations | write (Python) | file | first draw | interactive | round trip |"
    print(header)
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        interactive = f"did not finish in {args.cap:.0f} s" if r.get("did_not_finish") else _fmt(r["interactive_ms"])
        print(f"| {r['page']} | {r['nodes']:,} | {r['edges']:,} | {r['write_s']:.1f} s | "
              f"{r['bytes'] / 1e6:.1f} MB | {_fmt(r['drawn_ms'])} | {interactive} | {_fmt(r['round_trip_ms'])} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"cap_s": args.cap, "python": platform.python_version(), "machine": platform.machine(),
            "cpus": os.cpu_count(), "chromium": _chromium_version()}
    args.out.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}", file=sys.stderr)
    return 0


def _chromium_version() -> str:
    import subprocess

    try:
        return subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except OSError:
        return ""


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
