"""The README stays true: its format table comes from the registry, its test command is the
one CI runs, and it documents every CLI command and exit code."""

from __future__ import annotations

import re
from pathlib import Path

from graph.cli import main
from graph.exporters import registry

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def format_table() -> str:
    rows = ["| format | extension | aliases | what it is |", "|---|---|---|---|"]
    for e in registry.REGISTRY.values():
        aliases = ", ".join((*e.aliases, e.media_type))
        rows.append(f"| `{e.name}` | `.{e.extension}` | {aliases} | {e.description} |")
    return "\n".join(rows)


def test_format_table_is_generated_from_the_registry():
    block = re.search(r"<!-- formats:start.*?-->\n(.*?)\n<!-- formats:end -->", README, re.S).group(1)
    assert block == format_table()


def test_ci_runs_the_readme_test_command():
    command = "python -m pip install '.[test]' && python -m pytest"
    assert command in README
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_install_and_build_command():
    assert "pip install . && kg build" in README


def test_every_command_is_documented():
    for command in main.commands:
        assert f"`kg {command}" in README, command


def test_screenshot_exists():
    image = re.search(r"!\[[^\]]*\]\(([^)]+\.png)\)", README).group(1)
    assert (ROOT / image).stat().st_size > 10_000
