"""Bad input gets a one-line error naming the file and line (or the entity), exit code 2,
and leaves every output file as it was."""

from __future__ import annotations

from pathlib import Path

FACTS = "facts-article.yaml"


def _replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return n
    raise AssertionError(needle)


# The cases of one bad value in a data file (malformed YAML, unknown entity, property or source,
# missing source or quote, negative amount, end before start, wrong class, month 13) are files of
# the bad-input corpus now: tests/data/bad/yaml/, run through validate and build (outputs hashed
# before and after) by tests/test_bad_corpus.py.


def test_error_names_the_exact_line(data_copy, run_kg):
    target = data_copy / FACTS
    _replace(target, "        contractor: openai\n", "        contractor: opneai\n")
    line = _line_of(target, "contractor: opneai")
    result = run_kg("validate", "--data", data_copy)
    assert result.exit_code == 2
    assert f"{target}:{line}: " in result.stderr


def test_duplicate_id_names_both_places(data_copy, run_kg):
    extra = data_copy / "zz-duplicate.yaml"
    extra.write_text(
        "entities:\n  - id: openai\n    type: Company\n    label: {en: OpenAI again}\n    sources: [article-fr]\n",
        encoding="utf-8",
    )
    result = run_kg("validate", "--data", data_copy)
    assert result.exit_code == 2
    assert f"{extra}:2: duplicate entity id 'openai' (first defined at " in result.stderr
    assert "entities.yaml:" in result.stderr


def test_duplicate_yaml_key_is_an_error(data_copy, run_kg):
    target = data_copy / FACTS
    _replace(target, "        duration: P1Y\n", "        duration: P1Y\n        duration: P2Y\n")
    result = run_kg("validate", "--data", data_copy)
    assert result.exit_code == 2 and "duplicate key 'duration'" in result.stderr


def test_fact_without_claims_is_rejected(data_copy, run_kg):
    (data_copy / "zz.yaml").write_text("facts:\n  - id: lonely\n    type: Partnership\n", encoding="utf-8")
    result = run_kg("validate", "--data", data_copy)
    assert result.exit_code == 2
    assert "zz.yaml:2: fact 'lonely' has no claims: every fact needs a source and a quote" in result.stderr


def test_entity_without_source_is_rejected(data_copy, run_kg):
    (data_copy / "zz.yaml").write_text(
        "entities:\n  - id: nobody\n    type: Person\n    label: {en: Nobody}\n", encoding="utf-8"
    )
    result = run_kg("validate", "--data", data_copy)
    assert result.exit_code == 2 and "entity 'nobody' is missing 'sources'" in result.stderr


def test_shacl_violation_is_reported_with_the_fact_location(data_copy, run_kg):
    # a partnership with a single party passes the loader, but not the SHACL shapes
    (data_copy / "zz.yaml").write_text(
        "facts:\n  - id: solo\n    type: Partnership\n    claims:\n"
        "      - {source: article-fr, quote: \"OpenAI\", party: openai}\n",
        encoding="utf-8",
    )
    result = run_kg("validate", "--data", data_copy)
    assert result.exit_code == 2
    assert "zz.yaml:2: SHACL: fact 'solo' party: a partnership has two or more parties" in result.stderr


def test_missing_data_folder(tmp_path, run_kg):
    result = run_kg("build", "--data", tmp_path / "nope", "--out", tmp_path / "out")
    assert result.exit_code == 2 and "data folder not found" in result.stderr
    assert not (tmp_path / "out").exists()


def test_malformed_imported_rdf_is_rejected(data_copy, run_kg):
    bad = data_copy / "imported" / "broken.trig"
    bad.parent.mkdir(exist_ok=True)  # the shipped imports are there already
    bad.write_text("<https://example.org/g> { <https://example.org/a> <https://example.org/b> \n", encoding="utf-8")
    result = run_kg("validate", "--data", data_copy)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"kg: error: {bad}") and "malformed RDF" in result.stderr
