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


VENV = "python3 -m venv .venv && . .venv/bin/activate && "


def quick_start() -> list[str]:
    """The shell blocks of the README's Quick start, in order."""
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"^```\n(.*?)^```$", section, re.S | re.M)]


def test_ci_runs_the_readme_test_command():
    """The test command makes and activates its own venv, then runs what .ci/run runs in its own."""
    command = "python -m pip install '.[test]' && python -m pytest"
    assert quick_start()[1] == VENV + command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "\n" + command + "\n" in ci
    assert ci.index(". .venv-ci/bin/activate") < ci.index(command)


def test_readme_install_and_build_command_makes_its_own_venv():
    assert quick_start()[0] == VENV + "pip install . && kg build"


def test_the_readme_debian_packages_are_those_ci_installs():
    """The apt-get line of the Quick start names every Debian package .ci/run installs (PyICU's
    compiler and headers included: followthemoney needs PyICU, which PyPI has as source only)."""
    line = quick_start()[2]
    assert line.startswith("sudo apt-get install ")
    readme = set(line.split()[3:])
    ci = set()
    for m in re.finditer(r"apt-get install -y -qq ((?:[^\n\\]|\\\n)*)", (ROOT / ".ci" / "run").read_text()):
        ci |= {w for w in m.group(1).replace("\\\n", " ").split() if not w.startswith(("-", ">"))}
    assert readme == ci
    assert {"libicu-dev", "pkg-config", "g++"} <= readme


def test_no_pip_install_of_a_name_on_no_index():
    """The project is installed from its folder (pip install . / '.[extra]'), never by a name
    that no index has."""
    for path in [ROOT / "README.md", *ROOT.glob("docs/*.md"), *ROOT.glob("graph/**/*.py"), ROOT / "pyproject.toml"]:
        text = path.read_text(encoding="utf-8")
        assert "defense-ai-graph[" not in text, path


def test_no_test_count_in_prose():
    assert not re.search(r"\b\d+ tests\b", README)


def test_every_command_is_documented():
    for command in main.commands:
        assert f"`kg {command}" in README, command


def test_screenshot_exists():
    image = re.search(r"!\[[^\]]*\]\(([^)]+\.png)\)", README).group(1)
    assert (ROOT / image).stat().st_size > 10_000
