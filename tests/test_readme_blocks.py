"""Every command block of the README is run by a test, or listed here with why it cannot run.

Shell blocks (fences without a language) and Python blocks are found in the README; each is
named by its first line. :data:`CHECKED_ELSEWHERE` and :data:`NOT_RUNNABLE` say, for the
blocks this file does not run, where they are checked or why they cannot be; every other
block must be run here (:data:`RUN_HERE`): on a copy of the shipped data in a temporary
folder (the commands' default ``--data data``; the property-graph recipes on its curated
files alone), with the test servers standing in for the README's (their ports replaced).
A new block that nobody runs fails :func:`test_every_block_is_run_or_listed`.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph.cli import main
from tests.servers import Server, free_port, start_falkordb, tool, wait_port

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")

#: first line of a block -> the test that checks it
CHECKED_ELSEWHERE = {
    "python3 -m venv .venv && . .venv/bin/activate && pip install . && kg build":
        "tests/test_install.py (a non-editable install in a fresh venv runs kg build) and "
        "tests/test_readme.py (the command as written)",
    "python3 -m venv .venv && . .venv/bin/activate && python -m pip install '.[test]' && python -m pytest":
        "the whole suite: .ci/run runs it (tests/test_readme.py checks the two agree)",
    "sudo apt-get install chromium chromium-driver raptor2-utils virtuoso-opensource libicu-dev pkg-config g++ "
    "nodejs npm": "tests/test_readme.py: the packages .ci/run installs",
    "kg import table data/sources/innovators-league/gov_contracts_raw.json --mapping innovators-league":
        "tests/test_readme_imports.py runs the import, resolve and check examples",
    "kg query 'SELECT ?who ?where WHERE { ?m a org:Membership ; org:member ?who ; org:organization ?where }' "
    "--reason rdfs": "tests/test_roles.py::test_the_readme_block_runs_as_written",
}
#: first line of a block -> why it cannot run here
NOT_RUNNABLE = {
    "kg import usaspending Contracts_PrimeTransactions_2025_1.csv Contracts_PrimeTransactions_2025_2.csv":
        "your own downloads (the importers are tested on the samples of tests/data)",
    "kg import usaspending Contracts_PrimeAwardSummaries_2025_1.csv   # into DATA/.kg, as it is written":
        "your own download, a disk at /mnt/big and a Virtuoso with its password (the engine's commands "
        "are tested in tests/test_store.py, the push to Virtuoso in tests/test_push.py)",
    'eval "$(_KG_COMPLETE=bash_source kg)"      # in ~/.bashrc; zsh: zsh_source, fish: fish_source':
        "a line for an interactive shell's start-up file",
}
#: lines of the blocks run here that cannot run, and why
NOT_RUNNABLE_LINES = {
    "kg serve --port 9000 --open": "opens a browser (the server itself is the block's first line)",
    "kg export -f cypher -o kg.cypher && cypher-shell -f kg.cypher":
        "Neo4j cannot be installed from the registries CI reaches (the script is checked by Neo4j's "
        "grammar in tests/test_exports_js.py and run by FalkorDB below)",
    "kg export -f neo4j-csv -o neo4j-import && (cd neo4j-import && sh import.sh)":
        "neo4j-admin: Neo4j cannot be installed here (the files are read by LadybugDB's COPY in "
        "tests/test_exports_ladybug.py)",
}


def blocks() -> list[tuple[str, str]]:
    """(language, text) of every fenced block; shell blocks have no language."""
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^```(\w*)\n(.*?)^```$", README, re.S | re.M)]


def command_blocks() -> dict[str, str]:
    """First line -> text of every shell and Python block."""
    return {text.splitlines()[0]: text for lang, text in blocks() if lang in ("", "sh", "python")}


def commands(text: str) -> list[str]:
    """The command lines of a shell block: comments and blank lines left out."""
    lines = [line.split("  #", 1)[0].strip() for line in text.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def block(first: str) -> str:
    return command_blocks()[first]


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    """A folder holding a copy of data/ (its store made once, by the first block run)."""
    folder = tmp_path_factory.mktemp("readme")
    shutil.copytree(ROOT / "data", folder / "data", ignore=shutil.ignore_patterns(".kg"))
    return folder


@pytest.fixture
def here(copy, monkeypatch):
    """The copy, made the working directory."""
    monkeypatch.chdir(copy)
    return copy


def kg(line: str, ports: dict[int, int] | None = None):
    """Run one `kg ...` line in-process, the README's ports replaced by the test servers'."""
    for old, new in (ports or {}).items():
        line = line.replace(f":{old}", f":{new}")
    args = shlex.split(line)
    assert args[0] == "kg", line
    result = CliRunner().invoke(main, args[1:], catch_exceptions=False)
    assert result.exit_code == 0, (line, result.output)
    return result


QUERIES = "kg query --list                                    # the saved queries, with their questions"
SERVE = "kg serve                       # kg: serving oxigraph:data/.kg at http://127.0.0.1:8765/ ..."
SERVE_PY = "import json, time, urllib.error, urllib.request"
PUSH = "oxigraph serve --location kg-server --bind 127.0.0.1:7878 --union-default-graph &"
RECIPES = "# Neo4j 5 (cypher-shell, or paste into Neo4j Browser), empty database"
API = "import graph"
RUN_HERE = {QUERIES, SERVE, SERVE_PY, PUSH, RECIPES, API}


def test_every_block_is_run_or_listed():
    found = set(command_blocks())
    unknown = found - RUN_HERE - set(CHECKED_ELSEWHERE) - set(NOT_RUNNABLE)
    assert not unknown, f"README blocks nobody runs (run them here or list them): {sorted(unknown)}"
    assert RUN_HERE <= found, sorted(RUN_HERE - found)


def test_the_queries_block(here):
    lines = commands(block(QUERIES))
    assert len(lines) >= 8
    outputs = [kg(line).stdout for line in lines]
    assert "contracts-by-value" in outputs[0]
    assert (here / "disagreements.json").stat().st_size > 100
    assert any("Palantir" in out for out in outputs)


def test_the_python_api_block(here):
    exec(compile(block(API), "README.md", "exec"), {})


def test_the_push_block_on_an_oxigraph_server(here):
    first, *rest = commands(block(PUSH))
    args = shlex.split(first.removesuffix("&"))
    assert args[:2] == ["oxigraph", "serve"] and "--union-default-graph" in args
    port = free_port()
    args[args.index("--bind") + 1] = f"127.0.0.1:{port}"
    args[args.index("--location") + 1] = str(here / "kg-server")
    server = Server([tool("oxigraph"), *args[1:]], port, here / "oxigraph.log").start()
    try:
        results = [kg(line, {7878: port}) for line in rest]
    finally:
        server.stop()
    assert [shlex.split(line)[:2] for line in rest] == [["kg", "push"], ["kg", "query"]]
    assert "warning" not in results[0].stderr and results[1].stderr == ""
    assert len(results[1].stdout.splitlines()) > 10


def test_the_serve_block_and_its_python(here):
    lines = commands(block(SERVE))
    assert lines[0] == "kg serve"
    port = free_port()
    kg_bin = [sys.executable, "-c", "from graph.cli import main; main()"]
    proc = subprocess.Popen([*kg_bin, "serve", "--port", str(port)], cwd=here, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        wait_port(port, proc, timeout=120)
        for line in lines[1:]:
            if line in NOT_RUNNABLE_LINES:
                continue
            assert len(kg(line, {8765: port}).stdout.splitlines()) > 10
        code = block(SERVE_PY).replace(":8765", f":{port}")
        scope: dict = {}
        exec(compile(code, "README.md", "exec"), scope)
        assert scope["hits"]["results"][0]["id"] == "dod"
    finally:
        proc.terminate()
        proc.wait(20)


@pytest.fixture
def curated_here(curated_copy, monkeypatch):
    """A folder holding a copy of data/'s curated files alone, made the working directory."""
    monkeypatch.chdir(curated_copy.parent)
    return curated_copy.parent


def test_the_property_graph_recipes(curated_here):
    """Each line of the recipes block that can run here: LadybugDB, FalkorDB, the exports,
    FollowTheMoney's own validator (on the curated data alone: every line is about the
    format, not the size of the graph)."""
    here = curated_here
    pytest.importorskip("ladybug")
    lines = commands(block(RECIPES))
    skipped = [line for line in lines if line in NOT_RUNNABLE_LINES]
    assert len(skipped) == 2
    falkordb = start_falkordb(here / "falkordb")
    try:
        for line in lines:
            if line in skipped:
                continue
            for part in line.split(" && "):
                if part.startswith("kg "):
                    kg(part, {6379: falkordb.port})
                else:
                    args = shlex.split(part)
                    done = subprocess.run([tool(args[0]), *args[1:]], cwd=here, capture_output=True, text=True)
                    assert done.returncode == 0, (part, done.stderr)
    finally:
        falkordb.stop()
    for name in ("kg.lbdb", "kg.gexf", "actors.gexf", "kg.ftm.json"):
        assert (here / name).exists(), name
    assert (here / "ladybug-import").is_dir()


def test_the_listed_lines_are_in_the_readme():
    everything = [line for text in command_blocks().values() for line in commands(text)]
    for line in NOT_RUNNABLE_LINES:
        assert line in everything, line
