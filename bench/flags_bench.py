"""Every red flag (``kg flags``) on a store of synthetic awards, each timed.

For each size: a copy of ``data/`` (curated facts and the shipped compilation), synthetic
Contracts Prime Award Summaries (``scale_data.py``) imported with ``kg import usaspending``
into its store, then each flag run through :func:`graph.flags.run` on the embedded store as
``kg flags NAME`` runs it (its query, the filters, the evidence of its first three facts
per hit): once cold (what the flag keeps beside the store removed first: its SPARQL
query runs and the evidence is read) and once warm (its kept rows and evidence read back,
as the next ``kg flags`` on the same store does). Then every flag together as ``kg flags``
runs them (``--jobs`` at once, 2 by default), cold and warm. Each flag's line is printed
(stderr) as it is measured, with its CPU seconds: the process's, so for the flags together
CPU above wall is the two cores at work. Summaries carry no obligation at award, so
value-growth has nothing to measure there (its query still reads every award).

    python bench/flags_bench.py                    # 100,000 awards (about 10 minutes)
    python bench/flags_bench.py --rows 1000000     # the 1M run (an hour and more, 30 GB)
    python bench/flags_bench.py --against 5ad51d2  # also each changed query: that commit's, then this one
    python bench/flags_bench.py --jobs 1           # all flags together one at a time (default 2 at once)
    python bench/flags_bench.py --flag splitting --against 35b20a5   # one flag, and its old query
    python bench/flags_bench.py --against 35b20a5 --only-against     # the changed queries only

With ``--against REV``, each flag whose file differs at the git revision REV has both
queries run alone (no evidence), the old one then the new one, on the same store: wall and
CPU seconds of each (CPU is steadier than wall time on a shared machine) and whether their
hits are the same.

Results: a Markdown table on stdout and ``bench/out/flags_bench.json``.

Example
-------
>>> measure_flags.__name__
'measure_flags'
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def imported(work: Path, rows: int) -> tuple[Path, Path]:
    """The data folder and the awards' CSV that ``--work WORK --rows ROWS`` imported (for the
    scripts measuring on the same folders); one line and exit 2 when there are none."""
    base = Path(work) / f"rows{rows}"
    csvs = sorted(base.glob("*.csv"))
    if not (base / "imported.ok").exists() or not csvs:
        print(f"{base}: no imported data (run flags_bench.py --work {work} --rows {rows})", file=sys.stderr)
        raise SystemExit(2)
    return base / "data", csvs[0]


def measure_flags(data: Path, repeat: int = 1, timeout: float = 600.0, jobs: int = 2, say=None,
                  names: list[str] | None = None) -> list[dict]:
    """Each flag's time cold (its query run and its evidence read: the rows and evidence it
    keeps beside the store removed first; wall and CPU seconds) and warm (those read back,
    best of ``repeat``), and its hits, or why it failed (its timeout, the memory limit
    ``KG_QUERY_MEMORY``); then every flag together as ``kg flags`` runs them (``jobs`` at
    once), cold and warm, the row ``"flag": "together"``. ``say(row)`` is called as each
    row is measured; ``names``: only these flags (default: all)."""
    from graph import flags as lib
    from graph.store import open_store

    out = []
    with open_store(data_dir=data) as store:
        kept = store.kept()

        def forget(names) -> None:  # its rows and the evidence of its hits
            for name in names if kept is not None else ():
                kept.file(f"flag-{name}").unlink(missing_ok=True)
                kept.file(f"flag-{name}-evidence").unlink(missing_ok=True)

        def measure(label: str, names: list[str], at_once: int) -> None:
            cold, cpu, warm, hits, failed = None, None, None, [], ""
            forget(names)
            try:
                t, c = time.perf_counter(), time.process_time()
                hits = lib.run(store, names, timeout=timeout, jobs=at_once)
                cold, cpu = time.perf_counter() - t, time.process_time() - c
                for _ in range(repeat):
                    t = time.perf_counter()
                    hits = lib.run(store, names, timeout=timeout, jobs=at_once)
                    took = time.perf_counter() - t
                    warm = took if warm is None else min(warm, took)
            except Exception as exc:  # a flag stopped by its timeout or the memory limit: said, not hidden
                failed = f"{type(exc).__name__}: {exc}"
            row = {"flag": label, "seconds": None if cold is None else round(cold, 2),
                   "cpu_seconds": None if cpu is None else round(cpu, 2),
                   "kept_seconds": None if warm is None else round(warm, 2), "hits": len(hits), "failed": failed}
            if label == "together":
                row["jobs"] = at_once
            if say:
                say(row)
            out.append(row)

        chosen = [f.name for f in lib.choose(names or [])]
        for name in chosen:
            measure(name, [name], 1)
        measure("together", chosen, jobs)
    return out


def measure_against(data: Path, rev: str, timeout: float = 600.0, names: list[str] | None = None,
                    say=None) -> list[dict]:
    """Each flag whose query differs at git revision ``rev``: the old query and the new one
    run alone, one after the other, on the store of ``data`` (wall and CPU seconds, hits)."""
    import subprocess
    from importlib.resources import files

    from graph import flags as lib
    from graph.query import query_memory_limit
    from graph.queryparams import bind
    from graph.store import open_store

    out = []
    with open_store(data_dir=data) as store:
        for name, flag in lib.library().items():
            if names and name not in names:
                continue
            shown = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:queries/flags/{name}.rq"],
                                   capture_output=True, text=True)
            if shown.returncode != 0 or shown.stdout == files("queries").joinpath("flags", f"{name}.rq").read_text():
                continue
            row = {"flag": name}
            for label, f in (("before", lib._parse(name, shown.stdout)), ("now", flag)):
                values = bind(f.query, f.defaults(), store)
                t, c = time.perf_counter(), time.process_time()
                result = store.query(f.query.text, params=values, timeout=timeout, memory_mb=query_memory_limit())
                row[f"{label}_seconds"] = round(time.perf_counter() - t, 2)
                row[f"{label}_cpu"] = round(time.process_time() - c, 2)
                row[f"{label}_hits"] = sorted(repr(lib.hit_json(lib._hit(name, r))) for r in result.rows)
            row["same"] = row.pop("before_hits") == row.pop("now_hits")
            if say:
                say(row)
            out.append(row)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, action="append", help="Synthetic awards (repeatable; default 100,000).")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--work", default=None, help="Folder for the data copies (default: a temporary one; "
                    "given, its folders are kept and an imported one is measured again without importing).")
    ap.add_argument("--timeout", type=float, default=600.0, help="Stop each flag after this many seconds.")
    ap.add_argument("--against", metavar="REV", help="Also time each changed query at this git revision and now.")
    ap.add_argument("--jobs", type=int, default=2, help="Flags at once when all run together (kg flags --jobs).")
    ap.add_argument("--flag", action="append", metavar="NAME", help="Only this flag (repeatable; default: all).")
    ap.add_argument("--only-against", action="store_true", help="With --against: only the old and new queries.")
    args = ap.parse_args(argv)
    if args.flag:
        from graph import flags as lib
        from graph.errors import DataError

        try:
            lib.choose(args.flag)
        except DataError as exc:
            ap.error(f"--flag: {exc}")
    from scale_data import write_awards

    from graph.importers.registry import run_import
    from graph.store import embedded

    results, against = [], []
    work = Path(args.work or tempfile.mkdtemp(prefix="flags-bench-"))
    for rows in args.rows or [100_000]:
        base = work / f"rows{rows}"
        data = base / "data"
        if not (args.work and (base / "imported.ok").exists()):
            shutil.rmtree(base, ignore_errors=True)
            shutil.copytree(ROOT / "data", data, ignore=shutil.ignore_patterns(".kg"))
            csv_file = write_awards(base / f"Contracts_PrimeAwardSummaries_scale{rows}_1.csv", rows)
            t = time.perf_counter()
            run_import("usaspending", [csv_file], data)
            embedded.sync(embedded.default_path(data), data)
            (base / "imported.ok").write_text("")
            print(f"{rows:,} awards imported in {time.perf_counter() - t:.0f} s", file=sys.stderr)
        def say(r: dict) -> None:
            at_once = f" ({r['jobs']} at once)" if "jobs" in r else ""
            print(f"  {r['flag']}{at_once}: {r['seconds']} s ({r['cpu_seconds']} s CPU), kept {r['kept_seconds']} s, "
                  f"{r['hits']:,} hits {r['failed']}", file=sys.stderr, flush=True)

        for r in [] if args.only_against and args.against else measure_flags(data, args.repeat, args.timeout,
                                                                              args.jobs, say, args.flag):
            results.append({"rows": rows, **r})
        if args.against:
            def said(r: dict) -> None:
                print(f"  {r['flag']}: {r['before_cpu']} -> {r['now_cpu']} s CPU, same hits: {r['same']}",
                      file=sys.stderr, flush=True)

            for r in measure_against(data, args.against, args.timeout, args.flag, said):
                against.append({"rows": rows, **r})
        if not args.work:
            shutil.rmtree(base, ignore_errors=True)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "flags_bench.json").write_text(json.dumps(results + [{"against": args.against, **r} for r in against],
                                                     indent=1) + "\n")
    if results:
        print("| awards | flag | seconds (query) | CPU seconds | seconds (kept) | hits |")
        print("|---:|---|---:|---:|---:|---:|")
    for r in results:
        took = f"{r['seconds']:.2f}" if r["seconds"] is not None else f"stopped ({r['failed'].split(':')[0]})"
        cpu = f"{r['cpu_seconds']:.2f}" if r["cpu_seconds"] is not None else ""
        again = f"{r['kept_seconds']:.2f}" if r["kept_seconds"] is not None else ""
        name = f"**together, {r['jobs']} at once**" if r["flag"] == "together" else r["flag"]
        print(f"| {r['rows']:,} | {name} | {took} | {cpu} | {again} | {r['hits']:,} |")
        if r["flag"] == "together":
            each = [x for x in results if x["rows"] == r["rows"] and x["flag"] != "together"]
            total, again = sum(x["seconds"] or 0 for x in each), sum(x["kept_seconds"] or 0 for x in each)
            cpu = sum(x["cpu_seconds"] or 0 for x in each)
            print(f"| {r['rows']:,} | **one after the other** | **{total:.2f}** | **{cpu:.2f}** | **{again:.2f}** "
                  f"| {sum(x['hits'] for x in each):,} |")
    if against:
        print(f"\n| awards | flag | CPU s at {args.against} | CPU s now | wall s at {args.against} | wall s now "
              "| same hits |")
        print("|---:|---|---:|---:|---:|---:|---|")
        for r in against:
            print(f"| {r['rows']:,} | {r['flag']} | {r['before_cpu']:.2f} | {r['now_cpu']:.2f} | "
                  f"{r['before_seconds']:.2f} | {r['now_seconds']:.2f} | {'yes' if r['same'] else 'NO'} |")

if __name__ == "__main__":
    main()
