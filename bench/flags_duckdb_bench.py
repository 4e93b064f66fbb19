"""The two heaviest red flags as DuckDB SQL over the awards' CSV, beside ``kg flags``.

What a user with the CSV alone would run instead of the store: splitting and
concentration-year (``queries/flags/``, default thresholds) written in SQL over the
Contracts Prime Award Summaries that ``flags_bench.py`` imported, timed (wall and CPU,
one thread and all of them), and their hits compared with the flags' hits on the store
(read back from what ``kg flags`` keeps beside it, else computed: run
``flags_bench.py`` first). The store's hits of the CSV's awards only are compared (its
offices are ``id/us-office-CODE``, its contractors ``id/uei-UEI``; the shipped data's
awards are not in the CSV), as sets: splitting by office, contractor, awards and total;
concentration-year by office, fiscal year and top contractor.

    python bench/flags_duckdb_bench.py --work /work/big --rows 1000000

Prints a table; writes ``bench/out/flags_duckdb_bench.json``.

Example
-------
>>> sorted(SQL)
['concentration-year', 'splitting']
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from flags_bench import imported  # noqa: E402

#: each award of the CSV once: office code, contractor UEI, obligated amount, day
AWARDS = """CREATE TEMP TABLE aw AS
SELECT contract_award_unique_key AS k, lower(awarding_office_code) AS office, lower(recipient_uei) AS c,
       TRY_CAST(total_obligated_amount AS DECIMAL(38, 2)) AS amt,
       TRY_CAST(coalesce(nullif(trim(award_base_action_date), ''),
                         nullif(trim(period_of_performance_start_date), '')) AS DATE) AS d
FROM read_csv('{csv}', header=true, all_varchar=true)"""

#: the flags in SQL (their defaults: threshold 250,000, window 30 days, min_awards 2;
#: min_hhi 2,500, min_awards 5), each giving its hits' keys
SQL = {
    "splitting": """
WITH u AS (SELECT k, office, c, amt, d, date_diff('day', DATE '1970-01-01', d) AS n FROM aw
           WHERE amt < 250000 AND d IS NOT NULL),
g AS (SELECT s.k, s.office, s.c,
             count(*) FILTER (WHERE m.n > s.n OR (m.n = s.n AND m.k >= s.k)) AS awards,
             sum(m.amt) FILTER (WHERE m.n > s.n OR (m.n = s.n AND m.k >= s.k)) AS total,
             count(*) FILTER (WHERE NOT (m.n > s.n OR (m.n = s.n AND m.k >= s.k))) AS before
      FROM u s JOIN u m ON m.office = s.office AND m.c = s.c AND m.n BETWEEN s.n - 30 AND s.n + 30
      GROUP BY s.k, s.office, s.c)
SELECT office, c, awards, total FROM g WHERE before = 0 AND awards >= 2 AND total > 250000""",
    "concentration-year": """
WITH a AS (SELECT office, year(d) + CASE WHEN month(d) >= 10 THEN 1 ELSE 0 END AS fy, c,
                  coalesce(amt, 0) AS amt FROM aw WHERE d IS NOT NULL),
oc AS (SELECT office, fy, c, sum(amt) AS s, count(*) AS n FROM a GROUP BY office, fy, c),
o AS (SELECT office, fy, 10000 * sum(s::DOUBLE * s::DOUBLE) / (sum(s::DOUBLE) * sum(s::DOUBLE)) AS hhi,
             max(s) AS top, sum(n) AS awards FROM oc GROUP BY office, fy HAVING sum(s) > 0)
SELECT o.office, o.fy, oc.c FROM o JOIN oc USING (office, fy)
WHERE oc.s = o.top AND o.awards >= 5 AND o.hhi >= 2500""",
}


def _tail(iri: str, prefix: str) -> str | None:
    from graph.iris import BASE

    head = f"{BASE}id/{prefix}"
    return iri[len(head):] if iri.startswith(head) else None


def store_keys(hits, flag: str) -> set:
    """The keys of ``flag``'s hits on the CSV's awards (office and contractor from their IRIs)."""
    keys = set()
    for h in hits:
        office, c = _tail(h.office, "us-office-"), _tail(h.contractor, "uei-")
        if office is None or c is None:
            continue  # the shipped data's
        if flag == "splitting":
            keys.add((office, c, int(h.measures["awards"]), Decimal(h.measures["total"])))
        else:
            keys.add((office, int(h.measures["fiscal_year"]), c))
    return keys


def measure(data: Path, csv: Path, threads: int | None) -> list[dict]:
    import duckdb

    from graph import flags as lib
    from graph.store import open_store

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {threads}")
    t, c = time.perf_counter(), time.process_time()
    con.execute(AWARDS.format(csv=str(csv).replace("'", "''")))
    load = (round(time.perf_counter() - t, 2), round(time.process_time() - c, 2))
    out = []
    with open_store(data_dir=data) as store:
        for flag, sql in SQL.items():
            t, c = time.perf_counter(), time.process_time()
            rows = con.execute(sql).fetchall()
            took, cpu = round(time.perf_counter() - t, 2), round(time.process_time() - c, 2)
            if flag == "splitting":
                theirs = {(o, k, int(n), Decimal(str(s)).normalize()) for o, k, n, s in rows}
            else:
                theirs = {(o, int(fy), k) for o, fy, k in rows}
            ours = store_keys(lib.run(store, [flag], evidence=0, timeout=3600), flag)
            if flag == "splitting":
                ours = {(o, k, n, s.normalize()) for o, k, n, s in ours}
            used = threads or con.execute("SELECT current_setting('threads')").fetchone()[0]
            out.append({"flag": flag, "threads": used,
                        "load_csv_s": load[0], "load_csv_cpu_s": load[1], "duckdb_s": took, "duckdb_cpu_s": cpu,
                        "duckdb_hits": len(theirs), "store_hits": len(ours), "same_hits": ours == theirs,
                        "only_duckdb": len(theirs - ours), "only_store": len(ours - theirs)})
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", required=True, type=Path, help="flags_bench.py's --work folder")
    ap.add_argument("--rows", type=int, default=100_000, help="Awards (default 100,000).")
    args = ap.parse_args(argv)
    data, csv = imported(args.work, args.rows)
    results = []
    for threads in (1, None):
        for r in measure(data, csv, threads):
            results.append({"rows": args.rows, **r})
            print(f"  {r['flag']} ({r['threads']} threads): DuckDB {r['duckdb_s']} s ({r['duckdb_cpu_s']} s CPU; "
                  f"CSV read {r['load_csv_s']} s), {r['duckdb_hits']:,} hits, the store's {r['store_hits']:,}, "
                  f"same: {r['same_hits']}", file=sys.stderr, flush=True)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "flags_duckdb_bench.json").write_text(json.dumps(results, indent=1) + "\n")
    print("| awards | flag | DuckDB threads | CSV read (s) | query (s) | query CPU (s) | hits | the store's | same |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        print(f"| {r['rows']:,} | {r['flag']} | {r['threads']} | {r['load_csv_s']:.2f} | {r['duckdb_s']:.2f} | "
              f"{r['duckdb_cpu_s']:.2f} | {r['duckdb_hits']:,} | {r['store_hits']:,} | "
              f"{'yes' if r['same_hits'] else 'no'} |")


if __name__ == "__main__":
    main()
