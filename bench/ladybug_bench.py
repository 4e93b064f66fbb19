"""``kg push --ladybug`` against a DuckDB -> LadybugDB COPY of the same graph (issue 15).

For each size, in this run, on this machine:

- **kg push --ladybug**: synthetic Prime Award Summaries (``bench/scale_data.py``) are
  imported (``kg import usaspending FILE --data D``, not timed), then ``kg push --ladybug
  OUT --data D`` is timed as a user runs it (a new process): the whole property graph
  (entities, facts with every value, their sources and quotes, the direct actor edges)
  streamed from the store into COPY-ready files, loaded by LadybugDB, counted.
- **DuckDB -> LadybugDB, same graph** (``bench/ladybug_duckdb_copy.py``, a new process):
  DuckDB reads the same awards file and writes the same tables, columns and rows as
  Parquet, LadybugDB COPYs them into a new database. Both databases are then asked the
  rows of every table and a typed query (contracts over $100M with their awarding
  agency): the bench stops if they differ.
- **the floor**, for reference: DuckDB writes five small tables (Award, Org, Agency,
  AWARDED_TO, AWARDED_BY; no provenance, no quotes) and LadybugDB COPYs them.

The ratio is the script's wall time over the push's (goal: at least 0.5, the push at least
half as fast); the CPU seconds (user + system) of each process are given too, and their
ratio, which a machine shared with other jobs disturbs less. Peak resident memory of each
process is given too (the push streams: it should stay flat as the awards grow).

    python bench/ladybug_bench.py                      # 10,000 and 100,000 awards
    python bench/ladybug_bench.py --rows 10000         # a quick run
    python bench/ladybug_bench.py --rows 1000000 --work /big/disk   # ~80 GB of disk

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

#: The DuckDB -> LadybugDB script of the same graph (bench/ladybug_duckdb_copy.py)
SAME_GRAPH = str(HERE / "ladybug_duckdb_copy.py")

#: The floor, for reference: DuckDB reads the CSV, LadybugDB COPYs five small tables.
DUCKDB_FLOOR = r"""
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
print(nodes, rels)
"""

#: What both databases are asked, to check they hold the same graph: the rows of every
#: table, and a typed query (contracts over $100M with their awarding agency).
CHECK = r"""
import json, sys, ladybug
conn = ladybug.Connection(ladybug.Database(sys.argv[1], read_only=True))
counts = {}
for t in conn.execute("CALL show_tables() RETURN name, type").get_all():
    q = f"MATCH (x:{t[0]}) RETURN count(x)" if t[1] == "NODE" else f"MATCH ()-[r:{t[0]}]->() RETURN count(r)"
    counts[t[0]] = conn.execute(q).get_all()[0][0]
rows = conn.execute("MATCH (f:Fact)-[:AWARDING_AGENCY]->(a:Entity) WHERE f.kind = 'Contract' AND "
                    "f.obligated > 100000000 RETURN f.contract_number, a.label, f.obligated, string(f.date) "
                    "ORDER BY f.contract_number").get_all()
print(json.dumps({"counts": dict(sorted(counts.items())), "over_100m": rows}))
"""


def _run(args: list[str]) -> tuple[float, int, str, float]:
    """Wall seconds, peak resident bytes, stdout and CPU seconds (user + system, of that
    process alone: ``os.wait4``) of a new process."""
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
        return elapsed, usage.ru_maxrss * 1024, out.read(), usage.ru_utime + usage.ru_stime


def _check(db: Path) -> dict:
    return json.loads(subprocess.run([sys.executable, "-c", CHECK, str(db)], capture_output=True, text=True,
                                     check=True).stdout)


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
    push_s, push_peak, _, push_cpu = _run([KG, "push", "--ladybug", str(here / "kg.lbdb"), "--data", str(data)])
    ours = _check(here / "kg.lbdb")
    (here / "kg.lbdb").unlink()
    log(f"{rows:,} awards: DuckDB -> LadybugDB COPY of the same graph")
    for name in ("same", "floor"):
        (here / name).mkdir()
    same_s, same_peak, _, same_cpu = _run([sys.executable, SAME_GRAPH, str(csv), str(here / "same.lbdb"),
                                           str(here / "same")])
    theirs = _check(here / "same.lbdb")
    if theirs != ours:
        diff = [t for t in sorted(set(ours["counts"]) | set(theirs["counts"]))
                if ours["counts"].get(t) != theirs["counts"].get(t)]
        raise SystemExit(f"{rows:,} awards: the DuckDB script's graph differs from kg push --ladybug's "
                         f"(tables {', '.join(diff) or 'equal'}; contracts over $100M: "
                         f"{len(ours['over_100m'])} and {len(theirs['over_100m'])})")
    (here / "same.lbdb").unlink()
    log(f"{rows:,} awards: DuckDB -> LadybugDB COPY of five small tables (the floor)")
    floor_s, floor_peak, out, floor_cpu = _run([sys.executable, "-c", DUCKDB_FLOOR, str(csv), str(here / "floor.lbdb"),
                                     str(here / "floor")])
    result = {
        "awards": rows, "push_s": round(push_s, 2), "push_peak_mb": round(push_peak / 2**20),
        "nodes": sum(ours["counts"][t] for t in ("Entity", "Fact", "Source")),
        "relationships": sum(n for t, n in ours["counts"].items() if t not in ("Entity", "Fact", "Source")),
        "contracts_over_100m": len(ours["over_100m"]),
        "same_graph_s": round(same_s, 2), "same_graph_peak_mb": round(same_peak / 2**20),
        "ratio": round(same_s / push_s, 3),
        "push_cpu_s": round(push_cpu, 2), "same_graph_cpu_s": round(same_cpu, 2),
        "cpu_ratio": round(same_cpu / push_cpu, 3),
        "floor_s": round(floor_s, 2), "floor_peak_mb": round(floor_peak / 2**20),
        "floor_elements": sum(map(int, out.split())), "floor_ratio": round(floor_s / push_s, 3),
        "floor_cpu_s": round(floor_cpu, 2),
    }
    shutil.rmtree(here, ignore_errors=True)
    return result


def table(results: list[dict]) -> str:
    lines = ["| awards | nodes + rels | kg push --ladybug | DuckDB -> LadybugDB, same graph | ratio | "
             "ratio of CPU | floor (5 tables) |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        lines.append(f"| {r['awards']:,} | {r['nodes']:,} + {r['relationships']:,} | {r['push_s']:.1f} s "
                     f"(CPU {r['push_cpu_s']:.1f} s), {r['push_peak_mb']:,} MB | {r['same_graph_s']:.1f} s "
                     f"(CPU {r['same_graph_cpu_s']:.1f} s), {r['same_graph_peak_mb']:,} MB | {r['ratio']:.3f} | "
                     f"{r['cpu_ratio']:.3f} | {r['floor_s']:.1f} s ({r['floor_ratio']:.3f}) |")
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
        load = os.getloadavg()[0]
        results.append(measure(rows, work, log))
        results[-1]["load_average"] = [round(load, 1), round(os.getloadavg()[0], 1)]  # before, after
        r = results[-1]
        log(f"{rows:,} awards: push {r['push_s']:.1f} s, DuckDB (same graph) {r['same_graph_s']:.1f} s, "
            f"ratio {r['ratio']:.3f}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    command = "python bench/ladybug_bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
    machine = f"{os.cpu_count()} CPUs, {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.1f} GB"
    args.json.write_text(json.dumps({"results": results, "command": command.strip(), "machine": machine}, indent=1)
                         + "\n", encoding="utf-8")
    print(table(results))
    worst = min(r["ratio"] for r in results)
    cpu = min(r["cpu_ratio"] for r in results)
    print(f"summary: kg push --ladybug runs at {worst:.3f}x the speed of DuckDB -> LadybugDB COPY of the same "
          f"graph at worst ({cpu:.3f}x in CPU; goal 0.5x): {'met' if worst >= 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
