"""The LadybugDB export and push, loaded by LadybugDB itself (PyPI ``ladybug``, embedded):
the folder's ``schema.cypher`` and ``load.cypher`` run as written, then node and
relationship counts, every property (typed: dates as dates, amounts as doubles, lists as
lists, absent values as NULL), the typed "contracts over $100M with their awarding agency"
query in LadybugDB's Cypher, and the nasty corpus unchanged. ``kg push --ladybug``
replaces a database file atomically; the neo4j-admin CSVs load into LadybugDB too."""

from __future__ import annotations

import datetime as dt

import pytest

from graph.errors import PushError
from graph.exporters import registry
from graph.exporters.ladybug import NODE_TABLES
from graph.exporters.property_graph import DATE_PROPERTIES, property_graph
from graph.push_ladybug import push_ladybug
from tests.conftest import DATA
from tests.nasty import NASTY, NASTY_LABEL, NASTY_QUOTE
from tests.pg_expect import THRESHOLD, big_contracts

ladybug = pytest.importorskip("ladybug")



def statements(text: str) -> list[str]:
    """The statements of a script of ours: one a line, ended by ';', comments '//'."""
    out = []
    for line in text.splitlines():
        if line and not line.startswith("//"):
            assert line.endswith(";"), line[:80]
            out.append(line[:-1])
    return out


def load_export(kg, folder, monkeypatch) -> ladybug.Connection:
    """``kg export -f ladybug -o folder``, then its two scripts, run from the folder."""
    registry.write(registry.get("ladybug"), kg, folder)
    conn = ladybug.Connection(ladybug.Database(str(folder.parent / f"{folder.name}.lbdb")))
    monkeypatch.chdir(folder)
    for script in ("schema.cypher", "load.cypher"):
        for query in statements((folder / script).read_text(encoding="utf-8")):
            conn.execute(query)
    return conn


def rows(conn, query: str, params=None) -> list:
    return conn.execute(query, params or {}).get_all()


def typed(name: str, value):
    """A property value as LadybugDB returns it (dates as dates)."""
    return dt.date.fromisoformat(value) if name in DATE_PROPERTIES else value


def assert_holds_property_graph(conn, kg) -> None:
    pg = property_graph(kg)
    assert rows(conn, "MATCH (n) RETURN count(n)") == [[len(pg.nodes)]]
    assert rows(conn, "MATCH ()-[r]->() RETURN count(r)") == [[len(pg.edges)]]
    stored = {}
    for table in NODE_TABLES:
        for (node,) in rows(conn, f"MATCH (n:{table}) RETURN n"):
            stored[node["id"]] = (table, {k: v for k, v in node.items() if not k.startswith("_") and v is not None})
    for n in pg.nodes:
        table, props = stored[n.id]
        assert table == n.labels[0]
        assert props == {**{k: typed(k, v) for k, v in n.properties.items()}, "labels": list(n.labels)}, n.id
    edges = {}
    for a, r, b, rtype in rows(conn, "MATCH (a)-[r]->(b) RETURN a.id, r, b.id, label(r)"):
        props = {k: v for k, v in r.items() if not k.startswith("_") and v is not None}
        edges[props["key"]] = (a, b, rtype, props)
    assert len(edges) == len(pg.edges)
    for e in pg.edges:
        assert edges[e.key] == (e.source, e.target, e.type, {k: typed(k, v) for k, v in e.properties.items()}), e.key


def test_export_loads_into_ladybugdb_as_the_property_graph(graph, tmp_path, monkeypatch):
    conn = load_export(graph, tmp_path / "ladybug-import", monkeypatch)
    assert_holds_property_graph(conn, graph)


def test_typed_query_contracts_over_100m_with_their_awarding_agency(kg, tmp_path, monkeypatch):
    conn = load_export(kg, tmp_path / "ladybug-import", monkeypatch)
    got = rows(conn, "MATCH (f:Fact)-[:AWARDING_AGENCY]->(a:Entity) WHERE f.kind = 'Contract' "
                     "AND f.currency = 'USD' AND coalesce(f.amount, f.obligated) > $min "
                     "RETURN f.id, a.id, coalesce(f.amount, f.obligated) ORDER BY f.id, a.id", {"min": THRESHOLD})
    want = big_contracts(property_graph(kg))
    assert [tuple(r) for r in got] == want and len(want) > 10
    # on the direct edges too, typed: dates compare as dates
    got = rows(conn, "MATCH (a:Entity)-[c:CONTRACTED_WITH]->(b:Entity) WHERE c.amount > $min "
                     "AND c.date >= date('2025-01-01') RETURN a.id, b.id, c.amount ORDER BY a.id, b.id",
               {"min": THRESHOLD})
    assert ["cdao", "openai-public-sector", 200_000_000.0] in got and ["dod", "openai", 200_000_000.0] in got


def test_nasty_strings_load_unchanged_and_nothing_is_executed(nasty_kg, tmp_path, monkeypatch):
    conn = load_export(nasty_kg, tmp_path / "ladybug-import", monkeypatch)
    label, description, aliases = rows(conn, "MATCH (n:Entity {id: 'nasty-corp'}) "
                                             "RETURN n.label, n.description, n.aliases")[0]
    assert label == NASTY_LABEL and description == NASTY_QUOTE and set(NASTY[:4]) <= set(aliases)
    quotes = rows(conn, "MATCH (:Entity)-[r:PARTNER_OF]->(:Entity) WHERE r.fact = 'nasty-partnership' "
                        "RETURN r.quotes")
    assert quotes and all(NASTY_QUOTE in q[0] for q in quotes)
    assert rows(conn, "MATCH (n:Fact {id: 'fact/nasty-partnership'}) RETURN n.label") == [[NASTY[8]]]


def test_push_replaces_a_database_file_atomically(kg, nasty_kg, tmp_path, monkeypatch):
    path = tmp_path / "kg.lbdb"
    push_ladybug(kg, path)
    push_ladybug(nasty_kg, path)  # replaces it
    conn = ladybug.Connection(ladybug.Database(str(path), read_only=True))
    assert_holds_property_graph(conn, nasty_kg)
    conn.close()
    before = path.read_bytes()

    import graph.push_ladybug as module

    def fail(*_a, **_k):
        raise RuntimeError("interrupted half-way")

    monkeypatch.setattr(module, "load_folder", fail)
    with pytest.raises(PushError, match=r"kg\.lbdb: LadybugDB: interrupted half-way"):
        push_ladybug(kg, path)
    assert path.read_bytes() == before  # the previous database, intact
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kg.lbdb"]  # no temporary folder left


def test_push_cli_to_ladybugdb(tmp_path, run_kg):
    path = tmp_path / "cli.lbdb"
    result = run_kg("push", "--ladybug", str(path), "--data", DATA)
    assert result.exit_code == 0, result.output
    conn = ladybug.Connection(ladybug.Database(str(path), read_only=True))
    assert rows(conn, "MATCH (n:Entity {id: 'openai'}) RETURN n.label") == [["OpenAI"]]
    bad = run_kg("push", "--ladybug", str(tmp_path), "--data", DATA)
    assert bad.exit_code != 0


def test_push_to_a_folder_is_one_line_naming_it(kg, tmp_path):
    with pytest.raises(PushError, match="is a folder"):
        push_ladybug(kg, tmp_path)


def test_neo4j_admin_csv_loads_into_ladybugdb(kg, tmp_path, monkeypatch):
    """The neo4j-admin node files, read by LadybugDB's COPY: ids, labels and typed columns."""
    from graph.exporters.neo4j_csv import ARRAY_DELIMITER

    folder = tmp_path / "neo4j-import"
    registry.write(registry.get("neo4j-csv"), kg, folder)
    conn = ladybug.Connection(ladybug.Database(str(tmp_path / "n.lbdb")))
    pg = property_graph(kg)
    kinds = {"string": "STRING", "string[]": "STRING", "double": "DOUBLE", "long": "INT64", "boolean": "BOOLEAN",
             "date": "DATE", "ID": "STRING", "LABEL": "STRING"}
    for base in NODE_TABLES:
        header = (folder / f"nodes_{base}.csv").read_text(encoding="utf-8").split("\n", 1)[0].split(",")
        cols = [(c.partition(":")[0] or "neo4j_" + c.partition(":")[2].lower(), c.partition(":")[2]) for c in header]
        conn.execute(f"CREATE NODE TABLE N{base}(" + ", ".join(
            f"`{name}` {kinds[kind]}{' PRIMARY KEY' if kind == 'ID' else ''}" for name, kind in cols) + ")")
        conn.execute(f"COPY N{base} FROM '{folder / f'nodes_{base}.csv'}' (HEADER=true, ESCAPE='\"', PARALLEL=false)")
        want = [n for n in pg.nodes if n.labels[0] == base]
        assert rows(conn, f"MATCH (n:N{base}) RETURN count(n)") == [[len(want)]]
        for (node,) in rows(conn, f"MATCH (n:N{base}) RETURN n"):
            n = next(x for x in want if x.id == node["id"])
            assert node["neo4j_label"].split(ARRAY_DELIMITER) == list(n.labels)
            for k, v in n.properties.items():
                got = node[k].split(ARRAY_DELIMITER) if isinstance(v, list) else node[k]
                assert got == typed(k, v), (n.id, k)


def test_neo4j_admin_relationships_csv_loads_into_ladybugdb(kg, tmp_path):
    """relationships.csv, read by LadybugDB's COPY (one relationship table per pair of node
    tables, the rows of each pair chosen by their ids): every relationship with its type,
    key and typed properties."""
    from graph.exporters.neo4j_csv import ARRAY_DELIMITER

    folder = tmp_path / "neo4j-import"
    registry.write(registry.get("neo4j-csv"), kg, folder)
    conn = ladybug.Connection(ladybug.Database(str(tmp_path / "r.lbdb")))
    pg = property_graph(kg)
    base = {n.id: n.labels[0] for n in pg.nodes}
    for table in NODE_TABLES:  # the ids only (the node files' columns: test above)
        nodes = folder / f"nodes_{table}.csv"
        width = len(nodes.read_text(encoding="utf-8").split("\n", 1)[0].split(","))
        conn.execute(f"CREATE NODE TABLE N{table}(id STRING PRIMARY KEY)")
        conn.execute(f"COPY N{table} FROM (LOAD WITH HEADERS ({', '.join(f'c{i} STRING' for i in range(width))}) "
                     f"FROM '{nodes}' (HEADER=true, ESCAPE='\"', PARALLEL=false) RETURN c0)")
    path = folder / "relationships.csv"
    header = path.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
    kinds = {"string": "STRING", "string[]": "STRING", "double": "DOUBLE", "long": "INT64", "boolean": "BOOLEAN",
             "date": "DATE"}
    props = [(c.partition(":")[0], c.partition(":")[2]) for c in header[3:]]
    assert header[:3] == [":START_ID", ":END_ID", ":TYPE"]
    pairs = sorted({(base[e.source], base[e.target]) for e in pg.edges})
    conn.execute("CREATE REL TABLE R(" + ", ".join(f"FROM N{a} TO N{b}" for a, b in pairs) + ", rtype STRING, "
                 + ", ".join(f"`{name}` {kinds[kind]}" for name, kind in props) + ")")
    loaded = ["s STRING", "t STRING", "rtype STRING", *(f"c{i} {kinds[k]}" for i, (_n, k) in enumerate(props))]
    returned = ["s", "t", "rtype", *(f"c{i}" for i in range(len(props)))]

    def table_of(var: str) -> dict[str, str]:
        return {"Fact": f"starts_with({var}, 'fact/')", "Source": f"starts_with({var}, 'source/')",
                "Entity": f"NOT starts_with({var}, 'fact/') AND NOT starts_with({var}, 'source/')"}

    for a, b in pairs:
        conn.execute(f"COPY R FROM (LOAD WITH HEADERS ({', '.join(loaded)}) FROM '{path}' "
                     f"(HEADER=true, ESCAPE='\"', PARALLEL=false) WHERE {table_of('s')[a]} AND {table_of('t')[b]} "
                     f"RETURN {', '.join(returned)}) (from='N{a}', to='N{b}')")
    got = {}
    for s, t, r in rows(conn, "MATCH (a)-[r:R]->(b) RETURN a.id, b.id, r"):
        got[r["key"]] = (s, t, r)
    assert len(got) == len(pg.edges)
    for e in pg.edges:
        s, t, r = got[e.key]
        assert (s, t, r["rtype"]) == (e.source, e.target, e.type), e.key
        for k, v in e.properties.items():
            value = r[k].split(ARRAY_DELIMITER) if isinstance(v, list) else r[k]
            assert value == typed(k, v), (e.key, k)
        assert all(r[k] is None for k, _kind in props if k not in e.properties), e.key  # the null policy
