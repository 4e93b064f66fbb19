"""``kg query NAME --as-of DATE`` and ``--reason rdfs`` on the default engine, against the
same query without them, in this run, on a data folder that already holds imported awards
(for example one of ``bench/engine_bench.py --work DIR``'s, or after ``kg import``).

Each figure is the wall time of ``kg query`` run as a user runs it (a new process, Python
start-up included), median of ``--repeat`` runs, the store already up to date:

- ``plain``: the saved query;
- ``--as-of, first``: the first ``--as-of`` query on a store generation, which computes
  the validity of the dated facts and keeps its checkpoint with them (graph/store/asof.py);
- ``--as-of``: the same, rewritten for the store as of the date (nothing copied);
- ``--reason rdfs, first``: the first query on a store generation, which computes the RDFS
  entailments in the store and keeps its checkpoint with them (what a sync that changes
  the graph costs the first ``--reason`` query after it; the sync itself pays nothing);
- ``--reason rdfs``: the next ones.

    python bench/asof_reason_bench.py --data /tmp/w/data-100000 --query top-contractors --day 2022-06-30
    python bench/asof_reason_bench.py --data DIR --as-of-only --repeat 1  # no --reason rdfs

Writes ``bench/out/asof_reason_bench.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
KG = str(Path(sys.executable).with_name("kg"))


def _run(args: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr.strip()[:400]}")
    return took, done.stdout


def _median(args: list[str], repeat: int) -> float:
    return round(statistics.median(_run(args)[0] for _ in range(repeat)), 3)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a data folder with imported awards")
    parser.add_argument("--query", action="append", help="saved queries (repeatable; default top-contractors)")
    parser.add_argument("--day", default="2022-06-30")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--as-of-only", action="store_true", help="skip --reason rdfs (plain and --as-of only)")
    args = parser.parse_args(argv)
    data = str(args.data)
    _run([KG, "stats", "--data", data])  # up to date, views kept
    from graph.store.embedded import _current, default_path
    from graph.store.reasoning import reasoned_path

    from graph.store.asof import ASOF_DIR

    gen = _current(default_path(args.data))
    shutil.rmtree(reasoned_path(gen), ignore_errors=True)  # the first --reason of this generation
    shutil.rmtree(gen / ASOF_DIR, ignore_errors=True)  # the first --as-of of this generation
    out: dict = {"data": data, "day": args.day, "queries": {}}
    for name in args.query or ["top-contractors"]:
        base = [KG, "query", name, "--data", data, "--format", "csv", "--timeout", "3600"]
        row = {"plain": _median(base, args.repeat)}
        if "first_as_of" not in out:
            out["first_as_of"] = round(_run([*base, "--as-of", args.day])[0], 3)
        row["as_of"] = _median([*base, "--as-of", args.day], args.repeat)
        print(name, row, file=sys.stderr, flush=True)
        if args.as_of_only:
            out["queries"][name] = row
            continue
        if "first" not in out:
            out["first"] = round(_run([*base, "--reason", "rdfs"])[0], 3)
        row["reason_rdfs"] = _median([*base, "--reason", "rdfs"], args.repeat)
        out["queries"][name] = row
        print(name, row, f"first --reason rdfs: {out['first']} s", file=sys.stderr, flush=True)
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "asof_reason_bench.json").write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"| query ({args.data.name}) | plain s | --as-of {args.day} s | --reason rdfs s |")
    print("|---|---:|---:|---:|")
    for name, row in out["queries"].items():
        print(f"| {name} | {row['plain']} | {row['as_of']} | {row.get('reason_rdfs', '-')} |")
    print(f"\nfirst --as-of on the generation (validity checkpoint made): {out['first_as_of']} s")
    if "first" in out:
        print(f"first --reason rdfs on the generation (entailments computed and kept): {out['first']} s")


if __name__ == "__main__":
    main()
