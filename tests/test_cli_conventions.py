"""The command line as an analyst meets it (issue 14): one --format option for every
command that prints rows, tables that fit an 80-column terminal, kg export that reads the
format from the file name, help for every option, shell completion."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import click
import pytest

from graph.cli import main

ROW_COMMANDS = {
    "stats": ("stats",),
    "rank": ("rank", "--top", "5"),
    "neighbors": ("neighbors", "openai"),
    "path": ("path", "openai", "palantir"),
    "query": ("query", "contracts-by-value"),
    "query-list": ("query", "--list"),
    "resolve": ("resolve", "--report"),
    "validate": ("validate",),
}


def _parsed(fmt: str, text: str):
    if fmt == "json":
        return json.loads(text)
    if fmt == "jsonl":
        return [json.loads(line) for line in text.splitlines()]
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(text)))
    return [line.split("\t") for line in text.splitlines()]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "jsonl"])
@pytest.mark.parametrize("name", sorted(ROW_COMMANDS))
def test_every_row_command_takes_one_format_option(run_kg, name, fmt):
    result = run_kg(*ROW_COMMANDS[name], "--format", fmt)
    assert result.exit_code == 0, result.output
    rows = _parsed(fmt, result.stdout)
    assert rows, result.stdout
    short = run_kg(*ROW_COMMANDS[name], "-f", fmt)
    assert short.stdout == result.stdout or name == "validate"  # -f is the same option


@pytest.mark.parametrize("name", sorted(ROW_COMMANDS))
def test_tables_fit_an_80_column_terminal(name, tmp_path):
    env = {**os.environ, "COLUMNS": "80", "KG_PROGRESS": "0"}
    out = subprocess.run([sys.executable, "-m", "graph.cli", *ROW_COMMANDS[name]], capture_output=True, text=True,
                         env=env, check=True).stdout
    long = [line for line in out.splitlines() if len(line) > 80 and "<http" not in line]
    assert not long, long


def test_names_a_user_types_next_are_never_cut(run_kg):
    from queries import saved

    env_rows = subprocess.run([sys.executable, "-m", "graph.cli", "query", "--list"], capture_output=True, text=True,
                              env={**os.environ, "COLUMNS": "60"}, check=True).stdout.splitlines()[2:]
    names = {line.split()[0] for line in env_rows if not line.startswith("(")}  # not the note of left-out columns
    assert names == set(saved())


def test_tables_show_numbers_with_separators_and_no_language_tags(run_kg):
    out = run_kg("query", "contracts-by-value", "--wide").stdout
    assert "200,000,000" in out and "1,999,998" in out
    assert "@en" not in out and "@fr" not in out
    line = next(line for line in out.splitlines() if "200,000,000" in line)
    assert line.index("200,000,000") + len("200,000,000") == next(  # right-aligned under its header
        h for h in [out.splitlines()[0].index("amount") + len("amount")])
    raw = run_kg("query", "contracts-by-value", "--format", "csv").stdout
    assert "200000000" in raw and "200,000,000" not in raw


def test_a_table_too_wide_says_what_it_left_out_and_wide_shows_everything():
    run = lambda *a: subprocess.run([sys.executable, "-m", "graph.cli", *a], capture_output=True, text=True,  # noqa: E731
                                    env={**os.environ, "COLUMNS": "50"}, check=True).stdout
    narrow = run("query", "contracts-by-value")
    assert "left out to fit:" in narrow and "--wide shows them" in narrow
    wide = run("query", "contracts-by-value", "--wide")
    assert "left out" not in wide and "contractors" in wide.splitlines()[0]


def test_path_summarises_each_hop_and_all_lists_every_fact(run_kg):
    default = run_kg("path", "Department of the Air Force", "anduril").stdout
    everything = run_kg("path", "Department of the Air Force", "anduril", "--all").stdout
    assert "(20 Contract)" in default and "… and 17 more facts: --all lists every one" in default
    assert everything.count("[Contract, fact") == 20 and default.count("[Contract, fact") == 3


# --------------------------------------------------------------------------- kg export


@pytest.mark.parametrize("name, fmt", [("kg.ttl", "turtle"), ("kg.nt", "ntriples"), ("kg.jsonld", "jsonld"),
                                       ("kg.graphml", "graphml"), ("kg.rdf", "rdfxml"), ("kg.ftm.json", "ftm")])
def test_export_reads_the_format_from_the_file_name(run_kg, tmp_path, curated_copy, name, fmt):
    out = tmp_path / name
    assert run_kg("export", "-o", out, "--data", curated_copy).exit_code == 0
    assert out.read_bytes() == run_kg("export", "-f", fmt, "--data", curated_copy).stdout_bytes


@pytest.mark.parametrize("rdflib_name, ours", [("xml", "rdfxml"), ("pretty-xml", "rdfxml"), ("n3", "turtle"),
                                               ("nt", "ntriples"), ("json-ld", "jsonld"), ("nquads", "nquads"),
                                               ("text/turtle", "turtle"), ("application/n-triples", "ntriples")])
def test_export_takes_rdflibs_names_and_media_types(run_kg, curated_copy, rdflib_name, ours):
    export = lambda fmt: run_kg("export", "-f", fmt, "--data", curated_copy).stdout  # noqa: E731
    assert export(rdflib_name) == export(ours)


@pytest.mark.parametrize("args, message", [
    (("-f", "turtle", "-o", "x.nt"), "-f turtle writes Turtle (.ttl), but -o x.nt says ntriples"),
    (("-f", "klingon"), "unknown format 'klingon'"),
    (("-o", "graph.json"), "cannot tell the format from -o graph.json"),
])
def test_export_format_errors_are_usage_errors(run_kg, tmp_path, args, message):
    result = run_kg("export", *args)
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert message in line


def test_a_file_written_by_kg_export_says_so(run_kg):
    assert run_kg("export", "-f", "turtle").stdout.startswith(
        "# defense-ai-graph — generated by `kg export -f turtle`")
    assert "generated by `kg export -f cypher`" in run_kg("export", "-f", "cypher").stdout.splitlines()[0]


# --------------------------------------------------------------------------- conventions


def _commands(group: click.Group, prefix=()):
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


def test_every_option_has_help_text():
    missing = [f"kg {' '.join(path)} {opt.opts[0]}" for path, command in _commands(main) for opt in command.params
               if isinstance(opt, click.Option) and not opt.hidden and not opt.help]
    assert not missing


def test_the_old_spellings_still_work_with_a_note(run_kg):
    old = run_kg("resolve", "--report", "--csv")
    assert old.exit_code == 0 and "--csv is deprecated: use --format csv" in old.stderr
    assert old.stdout == run_kg("resolve", "--report", "--format", "csv").stdout
    assert "--json is deprecated" in run_kg("check", "--json").stderr


def test_outside_a_project_folder_it_says_how_to_point_at_one(tmp_path):
    result = subprocess.run([sys.executable, "-m", "graph.cli", "stats"], cwd=tmp_path, capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert result.returncode == 2
    assert "data folder not found" in result.stderr and "--data DIR" in result.stderr and "KG_DATA" in result.stderr


@pytest.mark.parametrize("words, expected", [
    ("kg st", "stats"), ("kg query act", "actor-facts"), ("kg export -f tu", "turtle"), ("kg path open", "openai"),
    ("kg neighbors pal", "palantir"),
])
def test_shell_completion_of_commands_formats_saved_queries_and_actors(run_kg, words, expected):
    run_kg("stats")  # the store exists (completion never syncs it)
    env = {**os.environ, "COMP_WORDS": words, "COMP_CWORD": str(len(words.split()) - 1), "_KG_COMPLETE": "bash_complete"}
    kg = os.path.join(os.path.dirname(sys.executable), "kg")  # the installed command: completion is keyed by its name
    out = subprocess.run([kg], env=env, capture_output=True, text=True).stdout
    assert f"plain,{expected}" in out.splitlines(), out
