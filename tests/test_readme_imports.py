"""The README's import, resolve and check examples run as written on the shipped data.

The block between ``<!-- import-examples:start`` and ``<!-- import-examples:end -->`` is run
line by line, from a folder holding a copy of ``data/`` (the commands' default ``--data``).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

from click.testing import CliRunner

from graph.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def examples() -> list[list[str]]:
    block = re.search(r"<!-- import-examples:start.*?-->\n```\n(.*?)```\n<!-- import-examples:end -->", README, re.S)
    lines = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    return [shlex.split(line) for line in lines if line]


def test_the_readme_import_resolve_and_check_examples_run_on_the_shipped_data(tmp_path):
    shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns(".kg"))
    commands = examples()
    assert [c[:2] for c in commands] == [["kg", "import"], ["kg", "resolve"], ["kg", "check"]]
    shipped = (ROOT / "data" / "imported" / "table" / "gov_contracts_raw.nq.gz").read_bytes()
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        outputs = []
        for command in commands:
            r = CliRunner().invoke(main, command[1:], catch_exceptions=False)
            assert r.exit_code == 0, (command, r.output)
            outputs.append(r.output)
    finally:
        os.chdir(here)
    # the import of the committed extract changes nothing: the committed output is what it makes
    assert "unchanged data/imported/table/gov_contracts_raw.nq.gz" in outputs[0]
    assert (tmp_path / "data" / "imported" / "table" / "gov_contracts_raw.nq.gz").read_bytes() == shipped
    # the awards of Anduril and Palantir are linked to the curated actors, the DoD to dod
    for line in ("Anduril Industries (org-name:anduril industries)  ->  anduril",
                 "Palantir Technologies (org-name:palantir technologies)  ->  palantir",
                 "(agency-name:department of defense)  ->  dod"):
        assert " ".join(line.split()) in " ".join(outputs[1].split())  # the report is folded to the terminal
    assert "matched contract pair(s)" in outputs[2]
