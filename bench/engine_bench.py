"""One-engine benchmark (issue 11): what a user waits for, command by command, on the default
engine (the data folder's own store, no --store), at the shipped size and after importing
synthetic awards.

Each figure is measured in this run, on this machine:

- **warm read commands**: wall time of ``kg stats``, ``kg query top-contractors``,
  ``kg path``, ``kg neighbors`` and ``kg rank`` run as a user runs them (a new process each
  time, Python start-up included), the store already up to date and its actor view kept
  (one untimed run first). Median of ``--repeat`` runs. Goals: 0.3 s on the shipped data,
  1 s after 10,000 awards, 2 s after 100,000; at 1M, 3 s (``rank``: 15 s).
- **syncs**: ``kg stats`` right after one curated YAML file was edited (the sync compiles
  and validates the curated facts again: goal 2 s for the sync), and the no-change check
  alone, in process (goal 0.1 s).
- **import**: ``kg import usaspending FILE`` into the default engine against Oxigraph's own
  bulk load of the N-Quads that import wrote, into an empty store, in this run (goal: at
  least 0.5x its speed), with the import's peak resident memory (goal: 2 GB at 1M).
- **disk**: the imported records plus the store (goal at 1M: 12 GB).

    python bench/engine_bench.py                          # shipped data, 10,000 and 100,000 awards
    python bench/engine_bench.py --rows 10000 --repeat 3  # a quick run

Writes ``bench/out/engine_bench.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
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

KG = str(Path(sys.executable).with_name("kg"))


def _run(args: list[str], **kw) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, **kw)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()[:500]}")
    return elapsed, proc.stdout


def _timed_kg(args: list[str], repeat: int) -> float:
    _run([KG, *args])  # warm: the store synced, the actor view made and kept
    return statistics.median(_run([KG, *args])[0] for _ in range(repeat))


def _du(*paths: Path) -> int:
    total = 0
    for p in paths:
        for root, _dirs, files in os.walk(p):
            for f in files:
                try:
                    st = os.lstat(os.path.join(root, f))
                except FileNotFoundError:
                    continue
                total += st.st_blocks * 512
    return total


def _bulk_load_alone(nq: Path) -> tuple[float, float]:
    """Oxigraph's own bulk load of the gzip'd N-Quads the import wrote, into an empty store:
    (seconds, the store's size in MB)."""
    code = ("import gzip, sys, time, pyoxigraph as ox\n"
            "s = ox.Store(sys.argv[2])\n"
            "t = time.perf_counter()\n"
            "with gzip.open(sys.argv[1], 'rb') as f: s.bulk_load(input=f, format=ox.RdfFormat.N_QUADS)\n"
            "s.flush(); print(time.perf_counter() - t)\n")
    where = Path(tempfile.mkdtemp(dir=nq.parent.parent.parent.parent))
    try:
        seconds = float(_run([sys.executable, "-c", code, str(nq), str(where / "store")])[1])
        return seconds, round(_du(where / "store") / 1e6, 1)
    finally:
        shutil.rmtree(where, ignore_errors=True)


def _quads(nq: Path) -> int:
    import gzip

    with gzip.open(nq, "rb") as f:
        return sum(1 for _ in f)


def _pick_names(data: Path) -> tuple[str, str]:
    """An agency and a contractor of the imported awards (for path and neighbors), by id:
    at a million awards two recipients share the largest one's name."""
    out = _run([KG, "query", "top-contractors", "--format", "json", "--data", str(data)])[1]
    rows = json.loads(out)["results"]["bindings"]
    contractor = rows[0]["contractor"]["value"].rsplit("/id/", 1)[1]
    near = json.loads(_run([KG, "neighbors", contractor, "--format", "json", "--data", str(data)])[1])
    agency = next(r["actor"] for r in near if r["kind"] == "GovernmentAgency")
    return agency, contractor


def measure(rows: int, work: Path, repeat: int, log, reuse: bool = False) -> dict:
    data = work / f"data-{rows}"
    out: dict = {"rows": rows}
    if reuse and (data / "imported").is_dir():  # the data folder of an earlier run: read figures only
        log(f"{rows:,} awards: reusing {data} (no import measured)")
        (nq,) = (data / "imported" / "usaspending").glob("*.nq.gz")
        out["quads"] = _quads(nq)
        rows_to_import = 0
    else:
        shutil.rmtree(data, ignore_errors=True)
        shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns(".kg"))
        rows_to_import = rows
    _run([KG, "stats", "--data", str(data)])  # the first sync: curated facts compiled and validated
    if rows_to_import:
        from scale_data import write_awards

        csv_path = write_awards(work / f"Contracts_PrimeAwardSummaries_bench{rows}_1.csv", rows)
        log(f"{rows:,} awards: importing")
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        out["import_s"], _ = _run([KG, "import", "usaspending", str(csv_path), "--data", str(data), "-q"])
        after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        out["import_peak_rss_mb"] = round(max(after, before) / 1024, 1)
        (nq,) = (data / "imported" / "usaspending").glob("*.nq.gz")
        out["quads"] = _quads(nq)
        out["bulk_load_alone_s"], out["bulk_load_store_mb"] = _bulk_load_alone(nq)
        out["import_vs_bulk_load"] = round(out["bulk_load_alone_s"] / out["import_s"], 2)
        out["csv_mb"] = round(csv_path.stat().st_size / 1e6, 1)
    out["disk_mb"] = round(_du(data / "imported", data / ".kg") / 1e6, 1)
    out["records_mb"] = round(_du(data / "imported") / 1e6, 1)
    out["store_mb"] = round(_du(data / ".kg") / 1e6, 1)
    log(f"{rows:,} awards: the first read (actor view aggregated and kept)")
    agency, contractor = _pick_names(data) if rows else ("pentagone", "OpenAI")
    a, b = (agency, contractor) if rows else ("OpenAI", "Palantir")
    log(f"{rows:,} awards: read commands")
    common = ["--data", str(data)]
    out["commands_s"] = {
        "stats": _timed_kg(["stats", *common], repeat),
        "query top-contractors": _timed_kg(["query", "top-contractors", *common], repeat),
        "path": _timed_kg(["path", a, b, *common], repeat),
        "neighbors": _timed_kg(["neighbors", contractor, *common], repeat),
        "rank": _timed_kg(["rank", *common], repeat),
        "--help": statistics.median(_run([KG, "--help"])[0] for _ in range(repeat)),
        "query without its --param": statistics.median(
            _time_error([KG, "query", "actor-facts", *common]) for _ in range(repeat)),
    }
    log(f"{rows:,} awards: syncs")
    entities = data / "entities.yaml"
    text = entities.read_text(encoding="utf-8")
    syncs = []
    for i in range(repeat):
        entities.write_text(text.replace("Anthropic", f"Anthropic {i}", 1), encoding="utf-8")
        syncs.append(_run([sys.executable, "-c", "import sys, time; t = time.perf_counter()\n"
                           "from graph.store import embedded\n"
                           "embedded.sync(embedded.default_path(sys.argv[1]), sys.argv[1])\n"
                           "print(time.perf_counter() - t)", str(data)])[1])
    out["sync_after_yaml_edit_s"] = statistics.median(float(s) for s in syncs)
    nochange = _run([sys.executable, "-c", "import sys, time, statistics\n"
                     "from graph.store import embedded\n"
                     "p = embedded.default_path(sys.argv[1])\n"
                     "ts = []\n"
                     "for _ in range(5):\n"
                     "    t = time.perf_counter(); embedded.sync(p, sys.argv[1]); ts.append(time.perf_counter() - t)\n"
                     "print(statistics.median(ts))", str(data)])[1]
    out["sync_no_change_s"] = float(nochange)
    entities.write_text(text, encoding="utf-8")
    return out


def _time_error(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, capture_output=True)
    return time.perf_counter() - started


def table(results: list[dict]) -> str:
    sizes = [f"{r['rows']:,} awards" if r["rows"] else "shipped data" for r in results]
    lines = ["| figure | " + " | ".join(sizes) + " |", "|---|" + "---|" * len(results)]

    def row(name, fn):
        lines.append(f"| {name} | " + " | ".join(fn(r) for r in results) + " |")

    for cmd in results[0]["commands_s"]:
        row(f"`kg {cmd}` (wall, new process)", lambda r, c=cmd: f"{r['commands_s'][c]:.2f} s")
    row("sync after editing one YAML file", lambda r: f"{r['sync_after_yaml_edit_s']:.2f} s")
    row("sync when nothing changed", lambda r: f"{r['sync_no_change_s'] * 1000:.1f} ms")
    row("`kg import` (CSV -> store)", lambda r: f"{r['import_s']:.1f} s" if "import_s" in r else "—")
    row("... vs Oxigraph's bulk load of its N-Quads", lambda r: f"{r['import_vs_bulk_load']:.2f}x" if "import_s" in r
        else "—")
    row("peak RSS of the import", lambda r: f"{r['import_peak_rss_mb']:,.0f} MB" if "import_s" in r else "—")
    row("imported records + store on disk", lambda r: f"{r['disk_mb']:,.0f} MB")
    row("... the imported records (gzip'd N-Quads)", lambda r: f"{r['records_mb']:,.0f} MB" if "records_mb" in r else "—")
    row("... the store", lambda r: f"{r['store_mb']:,.0f} MB" if "store_mb" in r else "—")
    row("... Oxigraph's own bulk load of the records, on disk", lambda r: f"{r['bulk_load_store_mb']:,.0f} MB"
        if "bulk_load_store_mb" in r else "—")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="awards to import (repeatable; 0: shipped data)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true",
                        help="with --work: read commands and syncs on the data folders an earlier run left there")
    args = parser.parse_args(argv)
    sizes = args.rows or [0, 10_000, 100_000]
    work = args.work or Path(tempfile.mkdtemp(prefix="kg-engine-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    log = lambda msg: print(f"engine-bench: {msg}", file=sys.stderr, flush=True)  # noqa: E731
    results = []
    for rows in sizes:
        results.append(measure(rows, work, args.repeat, log, reuse=args.reuse))
        (HERE / "out").mkdir(exist_ok=True)  # what is measured so far survives a later failure
        (HERE / "out" / "engine_bench.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "engine_bench.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(table(results))
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
