"""A non-editable install in a fresh virtual environment finds the ontology and runs kg build
from any folder (the ontology ships as package data, not as a path in the checkout)."""

from __future__ import annotations

import shutil
import subprocess
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_non_editable_install_in_a_fresh_venv_runs_kg_build(tmp_path, curated_copy):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    kg = env_dir / "bin" / "kg"
    # install from a copy, so that the build cannot see or touch the checkout
    src = tmp_path / "src"
    shutil.copytree(
        ROOT, src,
        ignore=shutil.ignore_patterns(".git", ".venv*", "*.egg-info", "build", "__pycache__", "exports", "tests", ".kg"),
    )
    subprocess.run([str(py), "-m", "pip", "install", "-q", str(src)], check=True, timeout=900)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [str(py), "-c", "import ontology, graph; print(ontology.__file__); print(graph.__file__)"],
        check=True, capture_output=True, text=True, cwd=elsewhere,
    ).stdout
    assert str(env_dir) in where and str(src) not in where, where
    result = subprocess.run(
        [str(kg), "build", "--data", str(curated_copy), "--out", str(elsewhere / "out")],  # not the checkout's store
        capture_output=True, text=True, cwd=elsewhere,
    )
    assert result.returncode == 0, result.stderr
    assert (elsewhere / "out" / "kg.ttl").stat().st_size > 10_000
    assert (elsewhere / "out" / "explorer.html").exists()
    version = subprocess.run([str(kg), "--version"], capture_output=True, text=True, check=True).stdout
    assert "0.1.0" in version
