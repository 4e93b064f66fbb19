"""Scale benchmark (issue 7): a synthetic year of contract awards through the Oxigraph store.

Each figure is a ratio against a baseline measured in the same run, on the same machine,
the same files: what the project does compared with what the underlying tools do alone.

- **import**: ``kg import usaspending FILE.csv --store oxigraph:PATH`` (the importer writes
  N-Quads and streams them into Oxigraph's bulk loader) against Oxigraph's own bulk load of
  the N-Quads file that import wrote (goal: at least 0.5x its speed, i.e. the whole import
  at most twice the cost of the loader alone) and against an rdflib ``Graph.add`` loop
  building the same quads from Python (goal: at least 5x faster). Also measured: import then
  bulk-load the finished file (not streamed), and peak resident memory (goal: 2 GB at 1M).
- **queries**: four saved queries (``top-contractors``, ``contractor-awards`` of one
  company, ``contracts-per-agency-year``, ``two-hop-neighbours`` of one company) through
  ``kg query``'s store path (checks, parameters, results as rdflib terms) against the same
  SPARQL run natively on pyoxigraph (goal: at most 1.2x its time). Median of 3 runs.
- **actor view**: the aggregated actor view by SPARQL in the store, then read back from where
  the store keeps it (goal: 10 s at 1M rows).
- **export**: ``kg export -f turtle|ntriples --store`` against pyoxigraph's own serialisation
  of the same triples (goal: at least 0.8x its speed).
- **HTML**: the explorer page for the top 1,000 actors of the aggregated view.
- **SHACL**: the shapes on samples of 250 and 500 of the store's facts (the cost follows the
  sample, not the store).

Every step runs in its own process (peak memory is per step).

    python bench/scale_bench.py                      # 10,000 and 100,000 rows (about 15 minutes)
    python bench/scale_bench.py --rows 10000         # a quick run
    python bench/scale_bench.py --rows 1000000 --no-file-then-load --repeat 1   # the 1M run: about 1 hour, 60 GB of disk

Writes ``bench/out/scale_bench.json`` and prints a Markdown table (see bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

RDFLIB_CAP = 1_000_000  # quads the rdflib baseline builds (it needs ~1.3 kB per quad)


# ----------------------------------------------------------------------------- children


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child_prepare(store: str, data: str) -> dict:
    """A fresh store holding the curated facts (compiled, SHACL-validated)."""
    from graph.store import embedded

    t = time.perf_counter()
    embedded.sync(store, data)
    return {"seconds": time.perf_counter() - t}


def child_import(csv_path: str, data: str, store: str, stream: bool) -> dict:
    """``kg import usaspending CSV --store oxigraph:STORE`` (streamed into a new generation of
    the store), or the import alone then the sync that loads its file (file-then-load)."""
    from graph.importers.registry import run_import
    from graph.store import embedded, open_store

    t = time.perf_counter()
    if stream:
        with embedded.writer(store, data) as gen:  # nothing to sync: prepared
            (result,) = run_import("usaspending", [csv_path], data, store=gen)
    else:
        (result,) = run_import("usaspending", [csv_path], data)
        embedded.sync(store, data)
    seconds = time.perf_counter() - t
    with open_store(f"oxigraph:{store}", data_dir=data) as st:
        quads = st.graph_size(_graph_of(result))
    return {"seconds": seconds, "rows": result.rows, "quads": result.quads, "quads_in_store": quads,
            "output": str(result.output), "output_bytes": result.output.stat().st_size, "peak_rss_mb": _rss_mb()}


def _graph_of(result) -> str:
    from graph.rdf import SOURCE

    return str(SOURCE[result.source])


def child_bulk_load(nq: str, store: str) -> dict:
    """pyoxigraph's bulk loader alone, on the N-Quads file the import wrote."""
    import pyoxigraph

    s = pyoxigraph.Store(store)
    t = time.perf_counter()
    s.bulk_load(path=nq, format=pyoxigraph.RdfFormat.N_QUADS)
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "quads": len(s), "peak_rss_mb": _rss_mb()}


def child_rdflib(nq: str, cap: int) -> dict:
    """An rdflib Graph.add loop building the same quads (the first ``cap``) from Python values."""
    import pyoxigraph
    from rdflib import Dataset, Literal, URIRef

    rows = []
    for q in pyoxigraph.parse(path=nq, format=pyoxigraph.RdfFormat.N_QUADS):
        o = q.object
        if isinstance(o, pyoxigraph.Literal):
            obj = (o.value, o.language, o.datatype.value)
        else:
            obj = o.value
        rows.append((q.subject.value, q.predicate.value, obj, q.graph_name.value))
        if len(rows) >= cap:
            break
    ds = Dataset()
    xsd_string = "http://www.w3.org/2001/XMLSchema#string"
    t = time.perf_counter()
    for s, p, o, g in rows:
        if isinstance(o, tuple):
            value, lang, datatype = o
            obj = Literal(value, lang=lang) if lang else Literal(value) if datatype == xsd_string else \
                Literal(value, datatype=URIRef(datatype))
        else:
            obj = URIRef(o)
        ds.add((URIRef(s), URIRef(p), obj, URIRef(g)))
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "quads": len(rows), "peak_rss_mb": _rss_mb()}


def child_read(store: str, data: str, html: bool, repeat: int = 3) -> dict:
    """Queries (ours against native), the aggregated actor view, the HTML page."""
    from queries import saved

    from graph.store import open_store
    from graph.store.actors import actor_view, top
    from graph.store.base import bind_everywhere
    from graph.rdf import PREFIXES

    st = open_store(f"oxigraph:{store}", data_dir=data)
    ox = st.oxigraph
    out: dict = {"queries": {}}
    # the company: the 100th largest contractor (a mid-size company; the largest are hubs)
    ranked = st.select_plain(saved()["top-contractors"].text.replace("LIMIT 20", "LIMIT 200"), timeout=3600)
    company = ranked[min(99, len(ranked) - 1)]["contractor"]
    out["company"] = company
    from rdflib import URIRef

    for name in ("top-contractors", "contractor-awards", "contracts-per-agency-year", "two-hop-neighbours"):
        q = saved()[name]
        params = {p.name: URIRef(company) for p in q.params}
        text = bind_everywhere(q.text, params) if params else q.text

        def ours():
            return len(st.query(q.text, params=params, timeout=3600).rows)

        def native():
            n = 0
            for solution in ox.query(text, prefixes=PREFIXES, use_default_graph_as_union=True):
                for term in solution:
                    if term is not None:
                        term.value  # noqa: B018 - touch each value, as a caller would
                n += 1
            return n

        times: dict = {"ours": [], "native": []}
        rows = {}
        for _ in range(repeat):
            for label, f in (("native", native), ("ours", ours)):
                t = time.perf_counter()
                rows[label] = f()
                times[label].append(time.perf_counter() - t)
        out["queries"][name] = {"ours": statistics.median(times["ours"]), "native": statistics.median(times["native"]),
                                "rows": rows["ours"], "same_rows": rows["ours"] == rows["native"]}
    st.kept().file("actor-view").unlink(missing_ok=True)  # cold: aggregated in the store (then kept)
    t = time.perf_counter()
    view = actor_view(st, timeout=3600)
    out["actor_view"] = {"seconds": time.perf_counter() - t, "nodes": view.number_of_nodes(),
                         "edges": view.number_of_edges(), "peak_rss_mb": _rss_mb()}
    del view
    t = time.perf_counter()
    view = actor_view(st, timeout=3600)  # warm: read back, as every later command does
    out["actor_view_kept"] = {"seconds": time.perf_counter() - t, "edges": view.number_of_edges()}
    t = time.perf_counter()
    top_view = top(view, 1000)
    out["top_1000"] = {"seconds": time.perf_counter() - t, "nodes": top_view.number_of_nodes(),
                       "edges": top_view.number_of_edges()}
    if html:
        try:
            from graph.exporters.html import generate

            t = time.perf_counter()
            page = "".join(generate(top_view, title="top 1,000 actors"))
            out["html"] = {"seconds": time.perf_counter() - t, "bytes": len(page.encode("utf-8"))}
        except Exception as exc:  # noqa: BLE001 - the explorer is another module's; report, don't fail
            out["html"] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    out["peak_rss_mb"] = _rss_mb()
    st.close()
    return out


def child_export(store: str, data: str, fmt: str, target: str) -> dict:
    """``kg export -f FMT --store`` against pyoxigraph's own serialisation of the same triples."""
    import pyoxigraph

    from graph.rdf import ONTOLOGY_GRAPH, PREFIXES
    from graph.store import open_store, write_export

    st = open_store(f"oxigraph:{store}", data_dir=data)
    t = time.perf_counter()
    write_export(st, fmt, target)
    ours = time.perf_counter() - t
    ours_bytes = os.path.getsize(target)
    ox = st.oxigraph
    rdf_format = pyoxigraph.RdfFormat.TURTLE if fmt == "turtle" else pyoxigraph.RdfFormat.N_TRIPLES
    graphs = [g for g in ox.named_graphs() if g.value != str(ONTOLOGY_GRAPH)]
    t = time.perf_counter()
    with open(target, "wb") as fh:
        for g in graphs:
            ox.dump(fh, rdf_format, from_graph=g, prefixes=dict(PREFIXES) if fmt == "turtle" else None)
    native = time.perf_counter() - t
    native_bytes = os.path.getsize(target)
    os.unlink(target)
    return {"ours": ours, "native": native, "ours_bytes": ours_bytes, "native_bytes": native_bytes,
            "peak_rss_mb": _rss_mb()}


def child_shacl(store: str, data: str, sizes: list) -> dict:
    """SHACL on samples of the store's facts (graph.store.shacl): the cost grows with the sample."""
    from graph.store import open_store
    from graph.store.shacl import validate_sample

    st = open_store(f"oxigraph:{store}", data_dir=data)
    out = {}
    for n in sizes:
        t = time.perf_counter()
        checked = validate_sample(st, n)
        out[str(n)] = {"seconds": time.perf_counter() - t, "facts": checked}
    out["peak_rss_mb"] = _rss_mb()
    return out


CHILDREN = {"shacl": child_shacl, "prepare": child_prepare, "import": child_import, "bulk_load": child_bulk_load, "rdflib": child_rdflib,
            "read": child_read, "export": child_export}


def _run_child(name: str, *args) -> dict:
    proc = subprocess.run([sys.executable, str(Path(__file__)), "--child", name, json.dumps(args)],
                          capture_output=True, text=True, cwd=str(ROOT))
    if proc.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- one size


def run_size(rows: int, work: Path, *, rdflib_cap: int, html: bool, log, file_then_load: bool = True,
             repeat: int = 3) -> dict:
    from scale_data import write_awards

    base = work / f"rows-{rows}"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    csv_path = base / f"Contracts_PrimeAwardSummaries_scale{rows}_1.csv"
    t = time.perf_counter()
    write_awards(csv_path, rows)
    out: dict = {"rows": rows, "generate_seconds": time.perf_counter() - t, "csv_bytes": csv_path.stat().st_size}
    log(f"{rows:,} rows: generated {csv_path.stat().st_size / 1e6:,.0f} MB in {out['generate_seconds']:.1f}s")

    def fresh(name: str) -> tuple[Path, Path]:
        data, store = base / f"data-{name}", base / f"store-{name}"
        data.mkdir()
        for p in sorted((ROOT / "data").iterdir()):
            if p.suffix in (".yaml", ".yml", ".csv"):
                shutil.copy(p, data / p.name)
        _run_child("prepare", str(store), str(data))
        return data, store

    data, store = fresh("stream")
    out["import"] = _run_child("import", str(csv_path), str(data), str(store), True)
    log(f"  import (streamed into the store): {out['import']['seconds']:.1f}s, {out['import']['quads']:,} quads")
    if file_then_load:
        data2, store2 = fresh("file")
        out["import_file_then_load"] = _run_child("import", str(csv_path), str(data2), str(store2), False)
        log(f"  import (file, then bulk load): {out['import_file_then_load']['seconds']:.1f}s")
        shutil.rmtree(store2, ignore_errors=True)
        shutil.rmtree(data2, ignore_errors=True)
    nq = out["import"]["output"]
    out["bulk_load"] = _run_child("bulk_load", nq, str(base / "store-raw"))
    shutil.rmtree(base / "store-raw", ignore_errors=True)
    log(f"  pyoxigraph bulk load of the same N-Quads: {out['bulk_load']['seconds']:.1f}s")
    out["rdflib"] = _run_child("rdflib", nq, rdflib_cap)
    log(f"  rdflib Graph.add of {out['rdflib']['quads']:,} quads: {out['rdflib']['seconds']:.1f}s")
    out["read"] = _run_child("read", str(store), str(data), html, repeat)
    log(f"  queries, actor view ({out['read']['actor_view']['seconds']:.1f}s), HTML")
    out["shacl"] = _run_child("shacl", str(store), str(data), [250, 500])
    shacl = [f"{n} facts {v['seconds']:.1f}s" for n, v in out["shacl"].items() if n != "peak_rss_mb"]
    log(f"  SHACL on samples: {', '.join(shacl)}")
    out["export"] = {}
    for fmt in ("turtle", "ntriples"):
        out["export"][fmt] = _run_child("export", str(store), str(data), fmt, str(base / f"export.{fmt}"))
        log(f"  export {fmt}: {out['export'][fmt]['ours']:.1f}s (pyoxigraph {out['export'][fmt]['native']:.1f}s)")
    out["store_bytes"] = sum(p.stat().st_size for p in Path(store).rglob("*") if p.is_file())
    out["nquads_bytes"] = out["import"]["output_bytes"]
    shutil.rmtree(base, ignore_errors=True)
    return out


# ----------------------------------------------------------------------------- report


def figures(r: dict) -> dict:
    """The ratios and rates of one size's raw measurements."""
    imp, bulk, rdf = r["import"], r["bulk_load"], r["rdflib"]
    quads = imp["quads"]
    import_tps = quads / imp["seconds"]
    rdflib_tps = rdf["quads"] / rdf["seconds"]
    f = {
        "rows_per_s": r["rows"] / imp["seconds"],
        "triples_per_s": import_tps,
        "vs_bulk_load": bulk["seconds"] / imp["seconds"],
        "vs_rdflib": import_tps / rdflib_tps,
        "bulk_load_vs_rdflib": quads / bulk["seconds"] / rdflib_tps,
        "file_then_load_vs_bulk_load": (bulk["seconds"] / r["import_file_then_load"]["seconds"]
                                        if "import_file_then_load" in r else None),
        "peak_rss_mb": imp["peak_rss_mb"],
        "queries": {k: v["ours"] / v["native"] for k, v in r["read"]["queries"].items()},
        "actor_view_s": r["read"]["actor_view"]["seconds"],
        "actor_view_kept_s": r["read"].get("actor_view_kept", {}).get("seconds"),
        "export": {k: v["native"] / v["ours"] for k, v in r["export"].items()},
    }
    return f


def table(results: list[dict]) -> str:
    sizes = [r["rows"] for r in results]
    figs = [figures(r) for r in results]
    head = "| figure | " + " | ".join(f"{n:,} rows" for n in sizes) + " | goal |"
    lines = [head, "|---|" + "---|" * len(sizes) + "---|"]

    def row(label, cells, goal=""):
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {goal} |")

    row("quads written (N-Quads size)", [f"{r['import']['quads']:,} ({r['nquads_bytes'] / 1e6:,.0f} MB)" for r in results])
    row("import, streamed into Oxigraph", [f"{r['import']['seconds']:.1f} s: {f['rows_per_s']:,.0f} rows/s, "
                                            f"{f['triples_per_s']:,.0f} quads/s" for r, f in zip(results, figs)])
    row("… vs pyoxigraph bulk load of its N-Quads", [f"{f['vs_bulk_load']:.2f}x ({r['bulk_load']['seconds']:.1f} s)"
                                                    for r, f in zip(results, figs)], "≥ 0.5x")
    row("… vs rdflib Graph.add of the same quads", [f"{f['vs_rdflib']:.1f}x ({r['rdflib']['quads'] / r['rdflib']['seconds']:,.0f} quads/s"
                                                   f"{', first ' + format(r['rdflib']['quads'], ',') if r['rdflib']['quads'] < r['import']['quads'] else ''})"
                                                   for r, f in zip(results, figs)], "≥ 5x")
    row("… the loader alone: pyoxigraph bulk load vs rdflib", [f"{f['bulk_load_vs_rdflib']:.1f}x" for f in figs],
        "(the ceiling of the line above)")
    row("import, file then bulk load (not streamed)", [f"{r['import_file_then_load']['seconds']:.1f} s "
                                                      f"({f['file_then_load_vs_bulk_load']:.2f}x)"
                                                      if "import_file_then_load" in r else "not run" for r, f in zip(results, figs)])
    row("peak RSS of the import", [f"{f['peak_rss_mb']:,.0f} MB" for f in figs], "≤ 2 GB at 1M")
    for name in results[0]["read"]["queries"]:
        row(f"query `{name}` vs native pyoxigraph",
            [f"{f['queries'][name]:.2f}x ({r['read']['queries'][name]['ours']:.3f} s, {r['read']['queries'][name]['rows']:,} rows)"
             for r, f in zip(results, figs)], "≤ 1.2x")
    row("aggregated actor view, made in the store", [f"{r['read']['actor_view']['seconds']:.1f} s ({r['read']['actor_view']['nodes']:,} actors, "
                                                     f"{r['read']['actor_view']['edges']:,} edges)" for r in results])
    row("… kept beside the store, read back", [f"{f['actor_view_kept_s']:.1f} s" if f["actor_view_kept_s"] is not None else "—"
                                               for f in figs], "≤ 10 s at 1M")
    for fmt in ("turtle", "ntriples"):
        row(f"export {fmt} vs pyoxigraph's serialisation", [f"{f['export'][fmt]:.2f}x ({r['export'][fmt]['ours']:.1f} s)"
                                                          for r, f in zip(results, figs)], "≥ 0.8x")
    html = []
    for r in results:
        h = r["read"].get("html", {})
        html.append(f"{h['seconds']:.1f} s ({h['bytes'] / 1e6:.1f} MB)" if "seconds" in h else h.get("error", "not run"))
    row("HTML page, top 1,000 actors", html)
    row("SHACL on a sample of 250 / 500 facts", [f"{r['shacl']['250']['seconds']:.1f} s / {r['shacl']['500']['seconds']:.1f} s"
                                                for r in results], "linear in the sample")
    return "\n".join(lines)


def machine() -> dict:
    import pyoxigraph
    import rdflib

    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gb": round(mem, 1), "python": platform.python_version(),
            "pyoxigraph": pyoxigraph.__version__, "rdflib": rdflib.__version__, "system": platform.platform()}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--work", type=Path, default=None, help="Scratch folder (default: a temporary one).")
    ap.add_argument("--rdflib-cap", type=int, default=RDFLIB_CAP, help="Quads the rdflib baseline builds at most.")
    ap.add_argument("--no-html", action="store_true", help="Skip the HTML page.")
    ap.add_argument("--no-file-then-load", action="store_true",
                    help="Skip the second import (file written, then bulk-loaded): saves a tenth of the 1M run.")
    ap.add_argument("--repeat", type=int, default=3, help="Runs of each query (the median is kept).")
    ap.add_argument("--json", type=Path, default=HERE / "out" / "scale_bench.json")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args, rest = ap.parse_known_args(argv)
    if args.child:
        print(json.dumps(CHILDREN[args.child](*json.loads(rest[0]))))
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="kg-scale-"))
    started = time.perf_counter()
    results = [run_size(n, work, rdflib_cap=args.rdflib_cap, html=not args.no_html,
                        log=lambda m: print(m, file=sys.stderr, flush=True),
                        file_then_load=not args.no_file_then_load, repeat=args.repeat) for n in args.rows]
    command = f"python bench/scale_bench.py --rows {' '.join(map(str, args.rows))}"
    command += " --no-file-then-load" if args.no_file_then_load else ""
    command += f" --repeat {args.repeat}" if args.repeat != 3 else ""
    report = {"machine": machine(), "command": command, "seconds": time.perf_counter() - started,
        "results": results, "figures": [figures(r) for r in results]}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1) + "\n")
    m = report["machine"]
    print(f"Machine: {m['cpus']} CPUs ({m['cpu']}), {m['memory_gb']} GB; Python {m['python']}, "
          f"pyoxigraph {m['pyoxigraph']}, rdflib {m['rdflib']}\n")
    print(table(results))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
