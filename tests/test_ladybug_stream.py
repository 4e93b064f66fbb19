"""``kg push --ladybug`` streamed from the store (graph/exporters/ladybug_stream.py): the
tables' files are the in-memory export's, byte for byte (the seed data, the nasty corpus,
the seed plus imported synthetic awards; with sort buffers so small that every table is
sorted through runs on disk, and batches of a few facts), the pushed database holds the
property graph, and a store larger than the read-back limit is pushed (it was refused)."""

from __future__ import annotations

import datetime
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest

from graph.errors import DataError, ExportError
from graph.exporters.ladybug import csv_header, generate_ladybug
from graph.exporters.ladybug_stream import Spool, forked, write_folder, write_tables
from graph.exporters.property_graph import property_graph
from graph.store import embedded, open_store
from graph.store.readback import knowledge_graph
from tests.conftest import DATA, ROOT
from tests.nasty import nasty_data
from tests.test_exports_ladybug import assert_holds_property_graph, rows

ladybug = pytest.importorskip("ladybug")
sys.path.insert(0, str(ROOT / "bench"))


@pytest.fixture(scope="module")
def nasty_dir(tmp_path_factory) -> Path:
    return nasty_data(DATA, tmp_path_factory.mktemp("nasty") / "data")


@pytest.fixture(scope="module")
def awards_dir(tmp_path_factory) -> Path:
    """The seed data and 150 imported synthetic awards (bench/scale_data.py)."""
    from scale_data import write_awards

    from graph.importers.registry import run_import

    base = tmp_path_factory.mktemp("awards")
    data = shutil.copytree(DATA, base / "data", ignore=shutil.ignore_patterns(".kg"))
    run_import("usaspending", [write_awards(base / "Contracts_PrimeAwardSummaries_scale150_1.csv", 150)], data)
    embedded.sync(embedded.default_path(data), data)
    return data


@pytest.fixture(params=["seed", "nasty", "awards"])
def data_dir(request, nasty_dir, awards_dir) -> Path:
    return {"seed": DATA, "nasty": nasty_dir, "awards": awards_dir}[request.param]


def in_memory(store) -> tuple[dict[str, bytes], int, int]:
    """The CSV files of ``kg export -f ladybug`` of the graph read back, and the numbers of
    nodes and relationships of its property graph."""
    pg = property_graph(knowledge_graph(store))
    files = generate_ladybug(None, pg=pg)
    return ({name: "".join(chunks).encode("utf-8") for name, chunks in files.items() if name.endswith(".csv")},
            len(pg.nodes), len(pg.edges))


@pytest.mark.parametrize("batch,budget", [(500, 8_000_000), (3, 2_000)])
def test_streamed_files_are_the_in_memory_export_byte_for_byte(data_dir, batch, budget, tmp_path):
    with open_store(data_dir=data_dir) as store:
        written = write_tables(store, tmp_path, batch=batch, budget=budget)
        want, nodes, relationships = in_memory(store)
    got = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert sorted(got) == sorted(want)  # and no run of the sort left behind
    for name in want:
        assert got[name] == want[name], name
    assert (written.nodes, written.relationships) == (nodes, relationships)
    assert [t.name for t in written.tables][:3] == ["Entity", "Fact", "Source"]


def test_streamed_folder_is_the_export_folder(nasty_dir, tmp_path):
    """schema.cypher and load.cypher too; the folder replaced as a whole."""
    out = tmp_path / "ladybug-import"
    out.mkdir()
    (out / "stale.csv").write_text("x", encoding="utf-8")
    with open_store(data_dir=nasty_dir) as store:
        write_folder(store, out, batch=11)
        want = generate_ladybug(knowledge_graph(store))
    assert sorted(p.name for p in out.iterdir()) == sorted(want)
    for name, chunks in want.items():
        assert (out / name).read_bytes() == "".join(chunks).encode("utf-8"), name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ladybug-import"]


def test_the_files_are_the_same_read_by_one_process_or_several(awards_dir, tmp_path):
    """The facts cut into shares, each read by its own process: the same files."""
    got = {}
    for workers in (1, 3):
        out = tmp_path / str(workers)
        out.mkdir()
        with open_store(data_dir=awards_dir) as store:
            write_tables(store, out, batch=4, budget=3_000, workers=workers)
        got[workers] = {p.name: p.read_bytes() for p in out.iterdir()}
    assert got[1] == got[3]


def test_a_share_whose_process_stops_is_done_here():
    """forked: a share's process killed before it answers is done again in this process
    (when told how), else the push stops with one line."""

    def task(i: int):
        if i == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        return i

    assert forked(task, 3, again=lambda i: f"here {i}") == [0, "here 1", 2]
    with pytest.raises(ExportError, match="worker process stopped"):
        forked(task, 2)


def test_a_share_whose_process_is_stuck_is_killed_and_done_here():
    """forked: a share's process that has not answered long after share 0 was done here (a
    process stuck on a lock held at the fork) is killed and its share done again here."""

    def task(i: int):
        if i == 1:
            time.sleep(600)
        return i

    # (had it waited for the stuck process, share 1 would be 1, its own answer)
    assert forked(task, 2, again=lambda i: f"here {i}", patience=1.0) == [0, "here 1"]


def test_spool_sorts_through_runs_and_drops_repeated_keys(tmp_path):
    spool = Spool(tmp_path, "t", budget=40)
    keys = [["b", "x"], ["a", "z"], ["a", "y"], ["b", "x"], ["c", "\u2028\r\n"]]
    for k in keys:
        spool.add(k, {"v": k[1]})
    assert len(spool.runs) >= 2
    assert [r[0] for r in spool.iter()] == sorted(keys)
    assert [r[0] for r in spool.iter(unique=True)] == [list(k) for k in sorted({tuple(k) for k in keys})]
    assert [r[1]["v"] for r in spool.iter(unique=True)][-1] == "\u2028\r\n"


def test_push_from_the_store_holds_the_property_graph(nasty_dir, tmp_path):
    from graph.push_ladybug import push_ladybug_store

    path = tmp_path / "kg.lbdb"
    with open_store(data_dir=nasty_dir) as store:
        result = push_ladybug_store(store, path, batch=7, rows_per_file=50)  # several COPYs into each table
        kg = knowledge_graph(store)
    conn = ladybug.Connection(ladybug.Database(str(path), read_only=True))
    assert_holds_property_graph(conn, kg)
    assert result.triples == rows(conn, "MATCH (n) RETURN count(n)")[0][0] + \
        rows(conn, "MATCH ()-[r]->() RETURN count(r)")[0][0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kg.lbdb"]


def test_files_cut_into_parts_hold_the_same_rows(tmp_path):
    """rows_per_file: each part has the header; the parts, in order, are the file."""
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    whole.mkdir()
    parts.mkdir()
    with open_store(data_dir=DATA) as store:
        write_tables(store, whole)
        written = write_tables(store, parts, rows_per_file=40)
    for t in written.tables:
        for name, pair in t.files():
            cut = [f for table, f, p in written.files if table.name == t.name and p == pair]
            text = [(parts / f).read_text(encoding="utf-8") for f in cut]
            header, *_ = text[0].split("\n", 1)
            assert all(x.startswith(header + "\n") for x in text)
            body = "".join(x[len(header) + 1:] for x in text)
            assert header + "\n" + body == (whole / name).read_text(encoding="utf-8"), name
            assert len(cut) == max(1, -(-t.rows[pair] // 40)), name


def test_push_of_a_store_past_the_read_back_limit(awards_dir, tmp_path, monkeypatch, run_kg):
    """What the read-back refuses (KG_MEMORY_LIMIT_QUADS) is pushed, streamed."""
    monkeypatch.setenv("KG_MEMORY_LIMIT_QUADS", "1000")
    with open_store(data_dir=awards_dir) as store, pytest.raises(DataError, match="KG_MEMORY_LIMIT_QUADS"):
        knowledge_graph(store)
    path = tmp_path / "awards.lbdb"
    result = run_kg("push", "--ladybug", path, "--data", awards_dir)
    assert result.exit_code == 0, result.output
    conn = ladybug.Connection(ladybug.Database(str(path), read_only=True))
    monkeypatch.delenv("KG_MEMORY_LIMIT_QUADS")
    with open_store(data_dir=awards_dir) as store:
        kg = knowledge_graph(store)
    assert_holds_property_graph(conn, kg)
    got = rows(conn, "MATCH (a:Entity)-[c:CONTRACTED_WITH]->(b:Entity) WHERE c.fact STARTS WITH 'usaspending-' "
                     "RETURN count(c)")[0][0]
    assert got >= 150


def test_parquet_parts_hold_the_rows_of_the_csv_files(nasty_dir, tmp_path):
    """What kg push --ladybug loads: each Parquet part, written back as CSV fields (null an
    empty field, text and dates quoted, lists joined by U+001F), is the CSV part, line for
    line; its lists are lists and its dates dates."""
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")
    as_csv, as_parquet = tmp_path / "csv", tmp_path / "parquet"
    as_csv.mkdir()
    as_parquet.mkdir()
    with open_store(data_dir=nasty_dir) as store:
        csv_written = write_tables(store, as_csv, batch=5, rows_per_file=30)
        written = write_tables(store, as_parquet, batch=5, rows_per_file=30, parquet=True)

    def field(v) -> str:
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return repr(v)
        if isinstance(v, list):
            v = "\x1f".join(v)
        elif isinstance(v, datetime.date):
            v = v.isoformat()
        return '"' + v.replace('"', '""') + '"'

    assert [(t.name, f.replace(".csv", ".parquet"), p) for t, f, p in csv_written.files] == \
        [(t.name, f, p) for t, f, p in written.files]
    for (table, name, _pair), (_t, csv_name, _p) in zip(written.files, csv_written.files, strict=True):
        rows = pq.read_table(as_parquet / name).to_pylist()
        got = "".join(",".join(field(v) for v in row.values()) + "\n" for row in rows)
        assert csv_header(table) + got == (as_csv / csv_name).read_bytes().decode("utf-8"), name
    types = [f.type for _t, name, _p in written.files for f in pq.read_schema(as_parquet / name)]
    assert any(pa.types.is_list(t) for t in types) and any(pa.types.is_date32(t) for t in types)
