"""Export benchmark (issue 11): every format of whole facts written from the store, at scale.

A data folder (the shipped data plus ``--rows`` synthetic awards from ``scale_data.py``,
imported with ``kg import usaspending``) is exported with ``kg export -f FORMAT`` in each
format that is written from the store a batch of facts at a time (JSON-LD, RDF/XML, Cypher,
neo4j-csv, FollowTheMoney, GraphML, GEXF, node-link), each in its own process, with
``KG_MEMORY_LIMIT_QUADS`` left at its default: these formats no longer read the graph back,
so they are not refused past it. The baseline, run in the same session on the same store, is
``kg export -f ntriples`` (Oxigraph serialises it in Rust, nothing held in Python): each
format's CPU time (user + system: on a shared machine the wall time mostly waits for the
other jobs) is given as a ratio to it. Peak resident memory is the child's own (``wait4``).

    python bench/export_bench.py --rows 100000 --work /tmp/export-bench     # about 1.5 hours
    python bench/export_bench.py --rows 2000                                 # a quick run

With ``--work DIR``, a folder imported by an earlier run is measured again without
importing. Writes ``bench/results/export_bench.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

FORMATS = ("jsonld", "rdfxml", "cypher", "neo4j-csv", "ftm", "graphml", "gexf", "nodelink")


def run(args: list[str], env: dict | None = None) -> tuple[float, float, int, float]:
    """``(seconds, peak MB, exit code, CPU seconds)`` of a child process (on a shared
    machine the CPU time is the steadier figure: the wall time waits for the others)."""
    started = time.perf_counter()
    child = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    err = child.stderr.read().decode("utf-8", "replace")
    child.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code:
        print(f"  {' '.join(args[-6:])}: exit {code}: {err.strip()[-300:]}", file=sys.stderr)
    return round(seconds, 1), round(usage.ru_maxrss / 1024, 1), code, round(usage.ru_utime + usage.ru_stime, 1)


def size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


def prepare(work: Path, rows: int) -> Path:
    """The shipped data folder plus ``rows`` imported synthetic awards, in ``work/data``."""
    from scale_data import write_awards

    data = work / "data"
    if (data / "imported" / "usaspending").exists():
        return data
    shutil.rmtree(data, ignore_errors=True)
    shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns(".kg"))
    csv = write_awards(work / f"Contracts_PrimeAwardSummaries_scale{rows}_1.csv", rows)
    print(f"importing {rows:,} awards", file=sys.stderr)
    seconds, peak, code, _cpu = run([sys.executable, "-m", "graph.cli", "import", "usaspending", str(csv), "--data",
                                     str(data)])
    if code:
        raise SystemExit("the import failed")
    print(f"  imported in {seconds:.0f} s, {peak:,.0f} MB", file=sys.stderr)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=None, help="folder to keep the data in (reused)")
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--out", type=Path, default=HERE / "results" / "export_bench.json")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip kg export -f ntriples (another run at the same time measures it)")
    args = parser.parse_args()
    work = args.work or Path(os.environ.get("TMPDIR", "/tmp")) / f"export-bench-{args.rows}"
    work.mkdir(parents=True, exist_ok=True)
    data = prepare(work, args.rows)
    env = {**os.environ, "KG_PROGRESS": "0"}
    env.pop("KG_MEMORY_LIMIT_QUADS", None)
    kg = [sys.executable, "-m", "graph.cli", "export", "--data", str(data)]
    out = work / "out"
    out.mkdir(exist_ok=True)
    results = []
    for fmt in (*(() if args.no_baseline else ("ntriples",)), *args.formats.split(",")):
        target = out / f"kg.{fmt}"
        print(f"kg export -f {fmt}", file=sys.stderr)
        seconds, peak, code, cpu = run([*kg, "-f", fmt, "-o", str(target)], env)
        results.append({"format": fmt, "seconds": seconds, "cpu_seconds": cpu, "peak_mb": peak,
                        "bytes": size(target), "exit": code})
        print(f"  {seconds:.1f} s ({cpu:.1f} s CPU), {peak:,.0f} MB, {size(target):,} bytes", file=sys.stderr)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"rows": args.rows, "results": results}, indent=1) + "\n", encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)
    base = (results[0]["cpu_seconds"] if results[0]["format"] == "ntriples" else 0) or 1.0
    quads = None
    try:
        sys.path.insert(0, str(ROOT))
        from graph.store import open_store

        with open_store(data_dir=data) as store:
            quads = store.count()
    except Exception:  # noqa: BLE001 - the count is for the table only
        pass
    report = {"rows": args.rows, "quads": quads, "cpus": os.cpu_count(), "results": results}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"\n{args.rows:,} awards ({quads or 0:,} quads), `kg export -f FORMAT`:\n")
    print("| format | CPU time | x ntriples | wall time | peak RSS | output |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in results:
        state = "" if not r["exit"] else f" (exit {r['exit']})"
        print(f"| {r['format']}{state} | {r['cpu_seconds']:,.1f} s | {r['cpu_seconds'] / base:,.1f} | "
              f"{r['seconds']:,.1f} s | {r['peak_mb']:,.0f} MB | {r['bytes'] / 1e6:,.1f} MB |")


if __name__ == "__main__":
    main()
