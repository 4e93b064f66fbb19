"""Shared fixtures: the seed graph (built once), a scratch copy of the data, the CLI."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from graph import build
from graph.cli import main

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
EXPORTS = ROOT / "exports"


@pytest.fixture(scope="session")
def kg():
    """The knowledge graph built from the committed seed data."""
    return build(DATA)


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A scratch copy of data/ that a test may break."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns(".kg"))
    return target


@pytest.fixture
def curated_copy(tmp_path) -> Path:
    """A scratch copy of data/'s curated files alone, without its imported tables: the
    smallest data folder `kg build` takes (about 1,700 triples, not 12,800), for a test
    about one import or one command rather than about the shipped graph.

    Example: ``def test_x(curated_copy, run_kg): run_kg("build", "--data", curated_copy)``
    """
    return copy_curated(tmp_path / "curated" / "data")  # named data: the commands' default


def copy_curated(target: Path) -> Path:
    """Copy data/'s curated files (not its folders of imports and sources) to ``target``,
    for a module-scoped fixture: ``build(copy_curated(tmp_path_factory.mktemp("c") / "data"))``."""
    target.mkdir(parents=True)
    for path in DATA.iterdir():
        if path.is_file():
            shutil.copy2(path, target / path.name)
    return target


@pytest.fixture
def run_kg():
    """Run the kg CLI in-process: run_kg("build", "--data", ...) -> click Result."""

    def run(*args: str):
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)

    return run


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI (CI set), a skipped test is a failure: a missing tool must not pass silently."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which counts as a failure: {report.longrepr}"


@pytest.fixture(scope="module")
def nasty_kg(tmp_path_factory):
    """The knowledge graph of the seed data with every text replaced by a nasty string."""
    from tests.nasty import nasty_data

    return build(nasty_data(DATA, tmp_path_factory.mktemp("nasty") / "data"))


@pytest.fixture(params=["seed", "nasty"])
def graph(request, kg, nasty_kg):
    """The seed graph, then the nasty one: a property-graph export must carry both."""
    return kg if request.param == "seed" else nasty_kg

