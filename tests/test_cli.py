"""The kg command line: version, help with an example for every command, build end to end."""

from __future__ import annotations

import re

from pathlib import Path

import pytest

from graph import __version__
from graph.cli import main
from graph.exporters import registry

ROOT = Path(__file__).resolve().parent.parent


def test_version(run_kg):
    result = run_kg("--version")
    assert result.exit_code == 0 and __version__ in result.stdout


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help_with_an_example(command, run_kg):
    result = run_kg(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.stdout
    assert f"kg {command}" in result.stdout


def test_top_level_help_lists_commands_and_examples(run_kg):
    result = run_kg("--help")
    assert "Example:" in result.stdout
    for command in main.commands:
        assert command in result.stdout


def test_formats_come_from_the_registry(run_kg):
    lines = run_kg("formats").stdout.splitlines()
    assert [line.split()[0] for line in lines] == registry.names()


def test_build_writes_the_default_exports_and_a_summary(tmp_path, run_kg):
    out = tmp_path / "exports"
    result = run_kg("build", "--data", ROOT / "data", "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(registry.get(f).filename for f in registry.DEFAULT_BUILD_FORMATS)
    assert re.search(r"built \d{3} entities", result.stderr)  # 24 curated, the rest from the shipped import
    assert "wrote" in result.stderr


def test_unknown_format_is_a_one_line_error(run_kg):
    result = run_kg("export", "-f", "docx", "--data", ROOT / "data")
    assert result.exit_code == 2  # a usage error
    known = ", ".join(registry.names())
    assert result.stderr.strip() == f"kg: error: unknown format 'docx' (known: {known})"


def test_validate_writes_nothing(tmp_path, run_kg, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_kg("validate", "--data", ROOT / "data")
    assert result.exit_code == 0 and result.stdout.startswith("ok: ")
    assert list(tmp_path.iterdir()) == []
