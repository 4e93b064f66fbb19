"""``kg push --ladybug`` against a minimal DuckDB -> LadybugDB COPY of the same awards (issue 15).

For each size, in this run, on this machine:

- **kg push --ladybug**: synthetic Prime Award Summaries (``bench/scale_data.py``) are
  imported (``kg import usaspending FILE --data D``, not timed), then ``kg push --ladybug
  OUT --data D`` is timed as a user runs it (a new process): the whole property graph
  (entities, facts with every value, their sources and quotes, the direct actor edges)
  streamed from the store into COPY-ready files, loaded by LadybugDB, counted.
- **DuckDB -> LadybugDB**: a minimal script of the same awards file in a new process:
  DuckDB reads the CSV and writes three node tables (Award, Org, Agency: the awarding
  office) and two relationship tables (AWARDED_TO, AWARDED_BY) as Parquet, LadybugDB
  COPYs them into a new database and counts. No provenance, no quotes, no dates as stated:
  the floor of what loading these awards costs.

The ratio is the script's time over the push's (goal: at least 0.5, the push at least half
as fast). Peak resident memory of each process is given too (the push streams: it should
stay flat as the awards grow).

    python bench/ladybug_bench.py                      # 10,000 and 100,000 awards
    python bench/ladybug_bench.py --rows 10000         # a quick run
    python bench/ladybug_bench.py --rows 1000000 --work /big/disk   # ~30 GB of disk

Writes ``bench/out/ladybug_bench.json`` (``--json`` elsewhere) and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

KG = str(Path(sys.executable).with_name("kg"))

#: The minimal script: DuckDB reads the CSV, LadybugDB COPYs what DuckDB wrote.
DUCKDB_COPY = r"""
import sys, duckdb, ladybug
csv, out, work = sys.argv[1:4]
d = duckdb.connect()
d.execute(f"CREATE VIEW a AS SELECT * FROM read_csv('{csv}', header=true, all_varchar=true)")
tables = {
    "award": "SELECT contract_award_unique_key AS id, any_value(award_id_piid) AS piid, "
             "any_value(TRY_CAST(total_obligated_amount AS DOUBLE)) AS obligated, "
             "any_value(TRY_CAST(potential_total_value_of_award AS DOUBLE)) AS ceiling, "
             "any_value(TRY_CAST(period_of_performance_start_date AS DATE)) AS start_date "
             "FROM a GROUP BY 1",
    "org": "SELECT recipient_uei AS id, any_value(recipient_name) AS name FROM a "
           "WHERE recipient_uei IS NOT NULL GROUP BY 1",
    "agency": "SELECT awarding_office_code AS id, any_value(awarding_office_name) AS name, "
              "any_value(awarding_agency_name) AS toptier FROM a WHERE awarding_office_code IS NOT NULL GROUP BY 1",
    "to": "SELECT DISTINCT contract_award_unique_key AS \"from\", recipient_uei AS \"to\" FROM a "
          "WHERE recipient_uei IS NOT NULL",
    "by": "SELECT DISTINCT contract_award_unique_key AS \"from\", awarding_office_code AS \"to\" FROM a "
          "WHERE awarding_office_code IS NOT NULL",
}
for name, query in tables.items():
    d.execute(f"COPY ({query}) TO '{work}/{name}.parquet' (FORMAT parquet)")
conn = ladybug.Connection(ladybug.Database(out))
for ddl in ("CREATE NODE TABLE Award(id STRING PRIMARY KEY, piid STRING, obligated DOUBLE, ceiling DOUBLE, "
            "start_date DATE)",
            "CREATE NODE TABLE Org(id STRING PRIMARY KEY, name STRING)",
            "CREATE NODE TABLE Agency(id STRING PRIMARY KEY, name STRING, toptier STRING)",
            "CREATE REL TABLE AWARDED_TO(FROM Award TO Org)", "CREATE REL TABLE AWARDED_BY(FROM Award TO Agency)"):
    conn.execute(ddl)
for table, name in (("Award", "award"), ("Org", "org"), ("Agency", "agency"), ("AWARDED_TO", "to"),
                    ("AWARDED_BY", "by")):
    conn.execute(f"COPY {table} FROM '{work}/{name}.parquet'")
nodes = conn.execute("MATCH (n) RETURN count(n)").get_all()[0][0]
rels = conn.execute("MATCH ()-[r]->() RETURN count(r)").get_all()[0][0]
print(nodes + rels)
"""


def _run(args: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak resident bytes (of that process alone: ``os.wait4``) and stdout of
    a new process."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, text=True)
        _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}): {err.read().strip()[-800:]}")
        return elapsed, usage.ru_maxrss * 1024, out.read()


def measure(rows: int, work: Path, log) -> dict:
    from scale_data import write_awards

    here = work / f"awards-{rows}"
    shutil.rmtree(here, ignore_errors=True)
    here.mkdir(parents=True)
    csv = write_awards(here / f"Contracts_PrimeAwardSummaries_scale{rows}_1.csv", rows)
    data = here / "data"
    data.mkdir()
    log(f"{rows:,} awards: importing (not timed)")
    _run([KG, "import", "usaspending", str(csv), "--data", str(data)])
    _run([KG, "stats", "--data", str(data)])  # the store up to date
    log(f"{rows:,} awards: kg push --ladybug")
    push_s, push_peak, _ = _run([KG, "push", "--ladybug", str(here / "kg.lbdb"), "--data", str(data)])
    count = subprocess.run([sys.executable, "-c", "import sys, ladybug; c = ladybug.Connection(ladybug.Database("
                            "sys.argv[1], read_only=True)); print(c.execute('MATCH (n) RETURN count(n)').get_all()"
                            "[0][0], c.execute('MATCH ()-[r]->() RETURN count(r)').get_all()[0][0])",
                            str(here / "kg.lbdb")], capture_output=True, text=True, check=True).stdout.split()
    log(f"{rows:,} awards: DuckDB -> LadybugDB COPY")
    parquet = here / "parquet"
    parquet.mkdir()
    duck_s, duck_peak, out = _run([sys.executable, "-c", DUCKDB_COPY, str(csv), str(here / "duck.lbdb"),
                                          str(parquet)])
    result = {
        "awards": rows, "push_s": round(push_s, 2), "push_peak_mb": round(push_peak / 2**20),
        "push_nodes": int(count[0]), "push_relationships": int(count[1]),
        "duckdb_s": round(duck_s, 2), "duckdb_peak_mb": round(duck_peak / 2**20),
        "duckdb_elements": int(out.strip()), "ratio": round(duck_s / push_s, 3),
    }
    shutil.rmtree(here, ignore_errors=True)
    return result


def table(results: list[dict]) -> str:
    lines = ["| awards | kg push --ladybug | DuckDB -> LadybugDB | ratio | push nodes + rels |",
             "|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['awards']:,} | {r['push_s']:.1f} s, {r['push_peak_mb']:,} MB | {r['duckdb_s']:.1f} s, "
                     f"{r['duckdb_peak_mb']:,} MB | {r['ratio']:.3f} | "
                     f"{r['push_nodes']:,} + {r['push_relationships']:,} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="awards (repeatable; default 10,000 and 100,000)")
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temporary one)")
    parser.add_argument("--json", type=Path, default=HERE / "out" / "ladybug_bench.json")
    args = parser.parse_args(argv)
    log = lambda msg: print(f"ladybug-bench: {msg}", file=sys.stderr, flush=True)  # noqa: E731
    work = args.work or Path(tempfile.mkdtemp(prefix="ladybug-bench-"))
    results = []
    for rows in args.rows or [10_000, 100_000]:
        results.append(measure(rows, work, log))
        r = results[-1]
        log(f"{rows:,} awards: push {r['push_s']:.1f} s, DuckDB {r['duckdb_s']:.1f} s, ratio {r['ratio']:.3f}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"results": results}, indent=1) + "\n", encoding="utf-8")
    print(table(results))
    worst = min(r["ratio"] for r in results)
    print(f"summary: kg push --ladybug runs at {worst:.3f}x the speed of the minimal DuckDB -> LadybugDB COPY "
          f"at worst (goal 0.5x): {'met' if worst >= 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
