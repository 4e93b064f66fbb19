"""The bad-input corpus (issue 13): one file per case under tests/data/bad/, its expectation
in tests/data/bad/cases.yaml (made by tests/data/bad/make.py), each run through the CLI on a
copy of data/.

Every case: exactly one line on stderr (``kg: error: FILE[:LINE]: ...``, or the reject line
``kg: FILE: WHERE: rejected: ...`` of a row that cannot be imported), the expected exit code,
no traceback, the previous outputs unchanged (the hashes of the exports folder and of
DATA/imported before and after; a rejected row adds no record: no contract, a record count
of 0) and no stray temporary file
(``.*.tmp``, ``.kg-staged``) anywhere under the test's folder.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import shutil
from pathlib import Path

import pytest
import yaml

BAD = Path(__file__).resolve().parent / "data" / "bad"
CASES = yaml.safe_load((BAD / "cases.yaml").read_text(encoding="utf-8"))
RUNS = sorted((name, command) for name, case in CASES.items() for command in case["run"])
#: the previous exports of kg build --out (stand-ins: a failed build must not touch them)
PREVIOUS = {"kg.ttl": "previous kg.ttl\n", "kg.trig": "previous kg.trig\n", "explorer.html": "previous\n"}


def tree_hash(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (the store's own folder left out) -> its SHA-256."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".kg" not in p.relative_to(folder).parts}


def stray(folder: Path) -> list[str]:
    return [str(p) for p in folder.rglob("*")
            if (p.name.startswith(".") and p.name.endswith(".tmp")) or p.name == ".kg-staged"]


def assert_the_one_line(case: dict, result, target: Path, where: str) -> str:
    """``result`` failed as ``case`` says: its exit code, no traceback, one line on stderr
    naming ``where`` (or, for a rejected row, the reject line of ``target`` with the import's
    summary of no record) and matching the case's message, bounded. Returns the line."""
    assert result.exit_code == case["exit"], result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    if case.get("reject"):  # the reject line, where the rejects are listed, the import's summary
        rejected = [s for s in lines if ": rejected: " in s]
        assert len(rejected) == 1 and rejected[0].startswith(f"kg: {target.name}: "), lines
        assert len(lines) == 3 and lines[1].startswith("kg: problems listed in ") and " 0 records," in lines[2], lines
        (line,) = rejected
    else:
        assert len(lines) == 1, lines
        (line,) = lines
        assert re.match(re.escape(f"kg: error: {where}") + ("" if "line" in case else r"(:\d+)?") + ": ", line), line
    assert re.search(case["message"], line), (case["message"], line)
    assert len(line) < 1000, len(line)  # a bounded message (an unknown property lists the known ones)
    return line


def test_the_corpus_is_the_one_make_py_writes_and_every_file_has_a_case():
    files = {str(p.relative_to(BAD)) for p in BAD.rglob("*") if p.is_file() and p.parent != BAD}
    good = {c["before"] for c in CASES.values() if "before" in c}
    assert files - good == set(CASES), "a case file without an expectation, or an expectation without a file"
    assert len(CASES) >= 40


@pytest.mark.parametrize("name, command", RUNS, ids=[f"{c.replace(' ', '-')}:{n}" for n, c in RUNS])
def test_a_bad_input_is_one_line_its_exit_code_and_nothing_else(name, command, data_copy, tmp_path, run_kg):
    case = CASES[name]
    out = tmp_path / "exports"
    out.mkdir()
    for file, text in PREVIOUS.items():
        (out / file).write_text(text, encoding="utf-8")
    words = command.split()
    if words[0] == "import":
        inbox = tmp_path / "in"
        inbox.mkdir()
        target = inbox / case["as"]
        if "before" in case:
            shutil.copyfile(BAD / case["before"], target)
            done = run_kg("import", words[1], target, "--data", data_copy, "-q")
            assert done.exit_code == 0, done.output
        shutil.copyfile(BAD / name, target)
        args = ["import", words[1], target, "--data", data_copy, "-q"]
        where = str(target)
    else:
        target = data_copy / f"zz-{Path(name).name}"
        shutil.copyfile(BAD / name, target)
        args = [words[0], "--data", data_copy] + (["--out", out] if words[0] == "build" else [])
        where = f"{target}:{case['line']}" if "line" in case else str(target)
    imported, exports = tree_hash(data_copy / "imported"), tree_hash(out)

    result = run_kg(*args)

    assert_the_one_line(case, result, target, where)
    assert tree_hash(out) == exports, "the previous exports were touched"
    if case.get("reject"):  # every row is rejected: the source is described with no record in it
        after = tree_hash(data_copy / "imported")
        assert {k: v for k, v in after.items() if k in imported} == imported, "a previous import was touched"
        for path in (data_copy / "imported").rglob("*.nq.gz"):
            if str(path.relative_to(data_copy / "imported")) not in imported:
                text = gzip.decompress(path.read_bytes()).decode("utf-8")
                assert "ontology#Contract>" not in text and "#recordCount> \"0\"" in text, path
    else:
        assert tree_hash(data_copy / "imported") == imported, "DATA/imported was touched"
    assert not stray(tmp_path), stray(tmp_path)
