"""The bad-input corpus on every other backend (issue 13): a store at another place
(``--store oxigraph:PATH``) and the targets of ``kg push`` (a running Oxigraph server,
FalkorDB, a LadybugDB database file).

Each case of tests/data/bad/ (see test_bad_corpus.py) gives the same one line and exit code
as on the data folder's own store, and leaves the backend exactly as it was:

- a bad import into ``--store oxigraph:PATH``: every quad of that store unchanged (a row
  rejected from a new source adds that source's description, with no record in it);
- a data folder with a bad YAML file pushed to Oxigraph, FalkorDB or LadybugDB: the graph
  pushed before from the good data folder is still there, quad for quad, node for node, byte
  for byte.
"""

from __future__ import annotations

import hashlib
import shutil
import urllib.request
from pathlib import Path

import pytest

from tests.servers import start_falkordb, start_oxigraph
from tests.test_bad_corpus import BAD, CASES, assert_the_one_line, stray

DATA = Path(__file__).resolve().parents[1] / "data"
IMPORTS = sorted((n, c["run"][0].split()[1]) for n, c in CASES.items() if c["run"][0].startswith("import"))
YAML = sorted(n for n, c in CASES.items() if "build" in c["run"])


def dump(store_path: Path) -> dict[str, str]:
    """Every named graph of the Oxigraph store at ``store_path`` -> the SHA-256 of its sorted
    N-Quads: what a reader of that store sees."""
    from graph.store import open_store

    with open_store(f"oxigraph:{store_path}", data_dir=None) as store:
        rows = store.select("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
    graphs: dict[str, list[str]] = {}
    for row in rows:
        graphs.setdefault(str(row["g"]), []).append(" ".join(row[k].n3() for k in ("s", "p", "o")))
    return {g: hashlib.sha256("\n".join(sorted(q)).encode()).hexdigest() for g, q in graphs.items()}


@pytest.mark.parametrize("name, dataset", IMPORTS, ids=[n for n, _ in IMPORTS])
def test_a_bad_import_into_a_store_elsewhere_leaves_that_store_as_it_was(name, dataset, curated_copy, tmp_path,
                                                                         run_kg):
    case = CASES[name]
    store = tmp_path / "elsewhere"
    inbox = tmp_path / "in"
    inbox.mkdir()
    target = inbox / case["as"]
    spec = ["--data", curated_copy, "--store", f"oxigraph:{store}"]
    assert run_kg("stats", *spec).exit_code == 0
    if "before" in case:
        shutil.copyfile(BAD / case["before"], target)
        done = run_kg("import", dataset, target, *spec, "-q")
        assert done.exit_code == 0, done.output
    before = dump(store)

    shutil.copyfile(BAD / name, target)
    result = run_kg("import", dataset, target, *spec, "-q")

    assert_the_one_line(case, result, target, str(target))
    after = dump(store)
    if case.get("reject"):  # the new source is described, with no record; nothing else moved
        assert {g: h for g, h in after.items() if g in before} == before
        assert len(after) == len(before) + (0 if "before" in case else 1)
    else:
        assert after == before, "the store at another place was changed by a failed import"
    assert not stray(tmp_path), stray(tmp_path)


# --- kg push of a bad data folder: the target keeps what the good folder pushed -------------------

@pytest.fixture(scope="module")
def targets(tmp_path_factory):
    """Oxigraph, FalkorDB and LadybugDB, each holding the graph of the good data folder."""
    from click.testing import CliRunner

    from graph.cli import main

    work = tmp_path_factory.mktemp("push-targets")
    oxigraph = start_oxigraph(work / "oxigraph")
    falkordb = start_falkordb(work / "falkordb")
    ladybug = work / "kg.lbdb"
    good = work / "data"
    shutil.copytree(DATA, good, ignore=shutil.ignore_patterns(".kg"))
    endpoint = f"http://127.0.0.1:{oxigraph.port}/store"
    pushes = {
        "oxigraph": ["--endpoint", endpoint],
        "falkordb": ["--falkordb", f"127.0.0.1:{falkordb.port}", "--name", "dai"],
        "ladybug": ["--ladybug", str(ladybug)],
    }
    for args in pushes.values():
        done = CliRunner().invoke(main, ["push", "--data", str(good), "-q", *args], catch_exceptions=False)
        assert done.exit_code == 0, done.output
    try:
        yield {"pushes": pushes, "endpoint": endpoint, "falkordb": falkordb.port, "ladybug": ladybug}
    finally:
        oxigraph.stop()
        falkordb.stop()


def what_the_targets_hold(t: dict) -> dict[str, object]:
    request = urllib.request.Request(t["endpoint"], headers={"Accept": "application/n-quads"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        quads = sorted(answer.read().decode("utf-8").splitlines())
    import falkordb

    graph = falkordb.FalkorDB(host="127.0.0.1", port=t["falkordb"]).select_graph("dai")
    nodes = graph.query("MATCH (n) RETURN count(n)").result_set[0][0]
    edges = graph.query("MATCH ()-[r]->() RETURN count(r)").result_set[0][0]
    files = sorted(p for p in [t["ladybug"], *t["ladybug"].parent.glob(t["ladybug"].name + "*")] if p.is_file())
    return {
        "oxigraph": hashlib.sha256("\n".join(quads).encode()).hexdigest(),
        "oxigraph quads": len(quads),
        "falkordb": (nodes, edges),
        "ladybug": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files},
    }


def ladybug_labels(path: Path) -> list:
    """Every node of the LadybugDB database at ``path``: (id, label), sorted."""
    import ladybug

    conn = ladybug.Connection(ladybug.Database(str(path), read_only=True))
    try:
        return conn.execute("MATCH (n) RETURN n.id, n.label ORDER BY n.id").get_all()
    finally:
        conn.close()


@pytest.mark.parametrize("name", YAML)
def test_pushing_a_bad_data_folder_leaves_every_target_as_it_was(name, targets, data_copy, tmp_path, run_kg):
    case = CASES[name]
    before = what_the_targets_hold(targets)
    assert before["oxigraph quads"] > 1000 and before["falkordb"][0] > 10 and before["ladybug"]
    target = data_copy / f"zz-{Path(name).name}"
    shutil.copyfile(BAD / name, target)
    where = f"{target}:{case['line']}" if "line" in case else str(target)

    for backend, args in targets["pushes"].items():
        result = run_kg("push", "--data", data_copy, "-q", *args)
        assert_the_one_line(case, result, target, where)

    assert what_the_targets_hold(targets) == before, "a target was changed by a failed push"
    assert not stray(tmp_path), stray(tmp_path)


def test_the_fingerprints_see_a_changed_graph_on_every_target(targets, data_copy, run_kg):
    """The comparison above is not blind: a good push of other data changes what each target
    holds (one label edited), and pushing the good data again gives the same fingerprints."""
    before = what_the_targets_hold(targets)
    ladybug_labels_before = ladybug_labels(targets["ladybug"])
    entities = data_copy / "entities.yaml"
    text = entities.read_text(encoding="utf-8")
    old, new = "label: {en: OpenAI, fr: OpenAI}", "label: {en: OpenAI (edited), fr: OpenAI}"
    assert old in text
    entities.write_text(text.replace(old, new, 1), encoding="utf-8")
    for args in targets["pushes"].values():
        assert run_kg("push", "--data", data_copy, "-q", *args).exit_code == 0
    changed = what_the_targets_hold(targets)
    assert changed["oxigraph"] != before["oxigraph"]
    assert changed["ladybug"] != before["ladybug"]
    assert ladybug_labels(targets["ladybug"]) != ladybug_labels_before
    graph = __import__("falkordb").FalkorDB(host="127.0.0.1", port=targets["falkordb"]).select_graph("dai")
    assert graph.query("MATCH (n {label: 'OpenAI (edited)'}) RETURN count(n)").result_set[0][0] == 1

    entities.write_text(text, encoding="utf-8")
    for args in targets["pushes"].values():
        assert run_kg("push", "--data", data_copy, "-q", *args).exit_code == 0
    again = what_the_targets_hold(targets)
    assert ladybug_labels(targets["ladybug"]) == ladybug_labels_before  # (its file is not byte-stable)
    assert {k: v for k, v in again.items() if k != "ladybug"} == {k: v for k, v in before.items() if k != "ladybug"}
