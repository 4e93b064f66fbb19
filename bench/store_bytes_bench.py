"""What a quad costs on disk in the store, and what fewer or shorter quads would save
(issue 11's disk goal: at 1M awards the imported records plus the store in 12 GB).

Each variant of the same imported records is bulk-loaded by Oxigraph into an empty store,
its size read (``du``) as the bulk loader leaves it, then again after ``Store.optimize()``
(a full compaction: what RocksDB does to a store anyway once its files overlap, as at a
million awards). Variants:

- ``as-imported``: the records as ``kg import`` writes them (the baseline of this run);
- ``no-entailed``: without the quads the ontology entails (``rdf:type`` of amounts and
  citations, ``dai:supports`` beside its inverse ``dai:citation``);
- ``short-quotes``: every ``dai:quote`` cut to one character (how much the long strings
  weigh: each distinct string is kept once, the quads hold its id).

    python bench/scale_data.py --rows 100000 -o A.csv
    kg import usaspending A.csv --data COPY_OF_DATA
    python bench/store_bytes_bench.py COPY_OF_DATA/imported/usaspending/A.nq.gz --work DIR

Prints one line per variant and a summary; writes ``bench/out/store_bytes_bench.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

_ENTAILED = re.compile(
    r"> <http://www\.w3\.org/1999/02/22-rdf-syntax-ns#type> <[^>]*[#/](MonetaryAmount|Citation)> "
    r"|[#/]supports> ")
_QUOTE = re.compile(r'([#/]quote> )"(?:[^"\\]|\\.)*"')

VARIANTS = {
    "as-imported": lambda line: line,
    "no-entailed": lambda line: None if _ENTAILED.search(line) else line,
    "short-quotes": lambda line: _QUOTE.sub(r'\1"q"', line),
}


def _megabytes(path: Path) -> float:
    from engine_bench import _du  # the disk used, as engine_bench.py counts it (MB: 10^6 bytes)

    return round(_du(path) / 1e6, 1)


def measure(records: Path, work: Path, name: str) -> dict:
    """Bulk-load one variant of ``records`` into an empty store under ``work``.

    Returns the quads, the store's size as loaded and after ``optimize()``, in MB.
    """
    import pyoxigraph as ox

    keep = VARIANTS[name]
    text = work / f"{name}.nq"
    with gzip.open(records, "rt", encoding="utf-8") as src, text.open("w", encoding="utf-8") as out:
        for line in src:
            kept = keep(line.rstrip("\n"))
            if kept:
                out.write(kept + "\n")
    path = work / name
    shutil.rmtree(path, ignore_errors=True)
    started = time.perf_counter()
    store = ox.Store(str(path))
    store.bulk_load(path=str(text), format=ox.RdfFormat.N_QUADS)
    quads = len(store)
    loaded = _megabytes(path)
    store.optimize()
    del store
    optimized = _megabytes(path)
    seconds = time.perf_counter() - started
    shutil.rmtree(path)
    text.unlink()
    return {"variant": name, "quads": quads, "loaded_mb": loaded, "optimized_mb": optimized,
            "bytes_per_quad": round(optimized * 1e6 / quads), "seconds": round(seconds, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("records", type=Path, help="an imported .nq.gz file")
    parser.add_argument("--work", type=Path, required=True, help="scratch folder")
    parser.add_argument("--variant", action="append", choices=sorted(VARIANTS))
    args = parser.parse_args(argv)
    if not args.records.is_file():
        parser.error(f"{args.records}: no such file (an imported .nq.gz)")
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in args.variant or list(VARIANTS):
        print(f"loading {name} ...", file=sys.stderr, flush=True)
        row = measure(args.records, args.work, name)
        rows.append(row)
        print(f"{name:12} {row['quads']:>9,} quads {row['loaded_mb']:>7,.0f} MB loaded "
              f"{row['optimized_mb']:>7,.0f} MB optimized {row['bytes_per_quad']} B/quad")
    base = rows[0]
    summary = ", ".join(f"{r['variant']} {r['optimized_mb'] / base['optimized_mb']:.2f}x"
                        for r in rows[1:])
    print(f"{len(rows)} variants; optimized size vs {base['variant']}: {summary or '-'}")
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "store_bytes_bench.json").write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
