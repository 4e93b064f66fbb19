"""Benchmark: `kg import usaspending` memory and speed on generated Prime Award Summaries.

Generates two synthetic files in the official 286-column layout (N and N/10 awards, every
award a new recipient and office, so the sets of seen organisations grow with the file),
imports each in a fresh process, and records the peak resident memory (ru_maxrss) and
rows per second. Memory should stay flat: the big file must not need ~10x the memory.

    python bench/import_bench.py            # 50,000 and 5,000 rows (about a minute)
    python bench/import_bench.py --rows 100000

Writes bench/out/import_bench.json and prints a table.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from importlib.resources import files
from pathlib import Path

HERE = Path(__file__).resolve().parent


def generate(path: Path, rows: int) -> None:
    cols = json.loads(files("graph.importers").joinpath("usaspending_columns.json").read_text())["award.d1"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        idx = {c: i for i, c in enumerate(cols)}
        for n in range(rows):
            row = [""] * len(cols)
            for c, v in {
                "contract_award_unique_key": f"CONT_AWD_BENCH{n:08d}_9700_-NONE-_-NONE-",
                "award_id_piid": f"BENCH{n:08d}", "total_obligated_amount": f"{1000 + n}.25",
                "current_total_value_of_award": f"{2000 + n}.00", "potential_total_value_of_award": f"{3000 + n}.00",
                "award_base_action_date": "2024-10-01", "period_of_performance_start_date": "2024-10-01",
                "period_of_performance_current_end_date": "2025-09-30",
                "awarding_agency_code": "097", "awarding_agency_name": "Department of Defense",
                "awarding_sub_agency_code": "97AS", "awarding_sub_agency_name": "Defense Logistics Agency",
                "awarding_office_code": f"SP{n % 5000:04d}", "awarding_office_name": f"DLA OFFICE {n % 5000}",
                "recipient_uei": f"BENCH{n:07d}", "recipient_name": f"BENCH SUPPLIER {n} LLC",
                "recipient_parent_uei": f"BPAR{n // 10:08d}", "recipient_parent_name": f"BENCH PARENT {n // 10} INC",
                "number_of_offers_received": str(n % 7), "extent_competed": "FULL AND OPEN COMPETITION",
                "naics_code": "541330", "product_or_service_code": "R425", "for_profit_organization": "t",
                "primary_place_of_performance_country_name": "UNITED STATES",
                "prime_award_base_transaction_description": f"BENCHMARK AWARD {n}, WITH \"QUOTES\", COMMAS AND\nA NEWLINE",
            }.items():
                row[idx[c]] = v
            w.writerow(row)


CHILD = """
import json, resource, sys, time
from graph.importers.registry import run_import
t = time.perf_counter()
(r,) = run_import("usaspending", [sys.argv[1]], sys.argv[2])
dt = time.perf_counter() - t
print(json.dumps({"rows": r.rows, "records": r.records, "quads": r.quads, "seconds": round(dt, 2),
                  "rows_per_s": round(r.rows / dt), "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                  "input_mb": round(r.bytes / 1e6, 1), "output_mb": round(r.output.stat().st_size / 1e6, 1)}))
"""


def measure(path: Path, data: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), str(data)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=50_000)
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for rows in (args.rows // 10, args.rows):
            path = tmp / f"Contracts_PrimeAwardSummaries_bench{rows}_1.csv"
            t = time.perf_counter()
            generate(path, rows)
            gen = time.perf_counter() - t
            res = measure(path, tmp / "data")
            res["generate_seconds"] = round(gen, 1)
            results.append(res)
    small, big = results
    summary = {"results": results, "memory_ratio_big_over_small": round(big["peak_rss_mb"] / small["peak_rss_mb"], 2),
               "rows_ratio": round(big["rows"] / small["rows"], 1)}
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "import_bench.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"{'rows':>8} {'input MB':>9} {'output MB':>10} {'seconds':>8} {'rows/s':>8} {'peak RSS MB':>12}")
    for r in results:
        print(f"{r['rows']:>8,} {r['input_mb']:>9} {r['output_mb']:>10} {r['seconds']:>8} {r['rows_per_s']:>8,} {r['peak_rss_mb']:>12}")
    print(f"{summary['rows_ratio']}x the rows, {summary['memory_ratio_big_over_small']}x the peak memory")


if __name__ == "__main__":
    main()
