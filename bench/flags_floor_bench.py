"""The least an award flag costs on the store: the per-award table every one of them joins.

Every award flag of ``kg flags`` (concentration*, non-competed, single-offer, splitting,
follow-on, year-end, value-growth) starts from the same per-award table: each award's
awarding office, its contractor, its day (award date, else start date) and its obligated
amount, four patterns joined on the award (and the amount's own node), written as the
flag queries write them (each pattern its own sub-select, so Oxigraph joins them by
hashing). This script times that table alone, summed by office (so no row reaches
Python), on an imported store, read-only, with the union of its graphs as the default
graph — the floor under each such flag's query, whatever the rest of it does. Beside
it, in the same run: one predicate scanned and counted (the floor of a scan), and the
same table summed by office in DuckDB from the awards' CSV (what a user would pick
instead), with the sums compared (the same offices' counts and obligations).

    python bench/flags_floor_bench.py --work /work/big --rows 1000000

``--work``/``--rows`` name a folder laid out as ``flags_bench.py --work`` leaves it
(``rowsN/data`` imported, ``rowsN/*.csv``). Prints a table; writes
``bench/out/flags_floor_bench.json``.

Example
-------
>>> _digits(Path("Contracts_PrimeAwardSummaries_scale100000_1.csv"))
'100000'
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from flags_bench import imported  # noqa: E402

#: each award's office, contractor, day and obligated amount, summed by office
TABLE = """SELECT ?office (COUNT(*) AS ?awards) (SUM(COALESCE(?o, 0)) AS ?obligated) WHERE {
  { SELECT ?a ?office WHERE { ?a dai:awardingAgency ?office } }
  { SELECT ?a ?k WHERE { ?a dai:contractor ?k } }
  OPTIONAL { SELECT ?a ?date WHERE { ?a dai:date ?date } }
  OPTIONAL { SELECT ?a ?start WHERE { ?a dai:startDate ?start } }
  BIND (COALESCE(?date, ?start) AS ?d)
  FILTER (BOUND(?d))
  OPTIONAL { SELECT ?a ?o WHERE { { SELECT ?a ?x WHERE { ?a dai:obligatedAmount ?x } }
                                  { SELECT ?x ?o WHERE { ?x dai:amount ?o } } } }
} GROUP BY ?office"""
#: one predicate scanned and counted
SCAN = "SELECT (COUNT(*) AS ?n) WHERE { ?a dai:awardingAgency ?office }"
#: the same table in DuckDB, from the CSV
DUCKDB = """SELECT count(*) AS awards, sum(coalesce(TRY_CAST(total_obligated_amount AS DECIMAL(38, 2)), 0))
FROM read_csv('{csv}', header=true, all_varchar=true)
WHERE nullif(trim(recipient_name), '') IS NOT NULL
  AND coalesce(nullif(trim(award_base_action_date), ''), nullif(trim(period_of_performance_start_date), ''))
      IS NOT NULL
GROUP BY awarding_office_code, awarding_office_name, awarding_sub_agency_name, awarding_agency_name"""


def rows_n(rows) -> list:
    return [(int(r[1].value), r[2].value) for r in rows]


def _timed(fn):
    c, t = time.process_time(), time.perf_counter()
    out = fn()
    return out, round(time.perf_counter() - t, 2), round(time.process_time() - c, 2)


def _digits(csv: Path) -> str:
    """``…_scale100000_1.csv`` -> ``100000``"""
    return csv.stem.split("scale")[-1].split("_")[0]


def measure(data: Path, csv: Path) -> dict:
    """The three timings and whether the two tables' sums agree."""
    from graph.store import embedded

    store = embedded.open_reader(embedded.default_path(data))
    run = store.select_native  # pyoxigraph itself, the union of the graphs as the default

    scan, scan_s, scan_cpu = _timed(lambda: run(SCAN))
    rows, table_s, table_cpu = _timed(lambda: run(TABLE))
    # for the comparison (not timed): the CSV's awards alone, without the shipped data's
    graph = next(f"<{g}>" for g in store.named_graphs() if g.endswith(f"-scale{_digits(csv)}"))
    first = "{ ?a dai:awardingAgency ?office }"
    mine = TABLE.replace(first, f"{{ GRAPH {graph} {first} }}")
    ours = sorted((int(r[1].value), Decimal(r[2].value)) for r in run(mine))
    store.close()
    out = {"awards_scanned": int(scan[0][0].value), "awards_in_table": sum(n for n, _ in rows_n(rows)),
           "scan_s": scan_s, "scan_cpu_s": scan_cpu,
           "table_s": table_s, "table_cpu_s": table_cpu, "offices": len(ours)}
    try:
        import duckdb
    except ImportError:
        return out | {"duckdb_s": None}
    con = duckdb.connect()
    theirs, duck_s, _ = _timed(lambda: con.execute(DUCKDB.format(csv=csv)).fetchall())
    theirs = sorted((int(n), Decimal(str(s))) for n, s in theirs)
    return out | {"duckdb_s": duck_s, "same_sums": ours == theirs,
                  "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", required=True, type=Path, help="flags_bench.py's --work folder")
    ap.add_argument("--rows", type=int, action="append", help="Awards (repeatable; default 100,000).")
    args = ap.parse_args(argv)
    results = []
    for rows in args.rows or [100_000]:
        r = {"rows": rows, **measure(*imported(args.work, rows))}
        results.append(r)
        print(f"{rows:,} awards: scan {r['scan_s']} s, table {r['table_s']} s "
              f"({r['table_cpu_s']} s CPU), DuckDB {r['duckdb_s']} s", file=sys.stderr, flush=True)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "flags_floor_bench.json").write_text(json.dumps(results, indent=1) + "\n")
    print("| awards | scan one predicate | per-award table | DuckDB, same table | same sums |")
    print("|---:|---:|---:|---:|---|")
    for r in results:
        duck = f"{r['duckdb_s']:.2f} s" if r.get("duckdb_s") is not None else "(no duckdb)"
        print(f"| {r['rows']:,} | {r['scan_s']:.2f} s | {r['table_s']:.2f} s | {duck} | "
              f"{'yes' if r.get('same_sums') else 'no'} |")


if __name__ == "__main__":
    main()
