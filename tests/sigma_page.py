"""The sigma.js test page: tests/js/sigma_page.mjs (graphology, its GEXF and GraphML
parsers, sigma 3, from tests/js/package-lock.json) bundled by esbuild into a folder with an
``index.html``, and a loopback HTTP server for that folder.

Used by tests/test_exports_sigma.py (the exports drawn by sigma.js in Chromium) and by
bench/renderer_bench.py (sigma.js against vis-network). Needs ``npm ci`` in tests/js.

Example (not run: it needs Node and tests/js/node_modules)::

    page = build_page(tmp / "page")          # page/sigma_page.js, page/index.html
    with serve(page) as url:                  # http://127.0.0.1:PORT
        driver.get(url + "/index.html")
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

__all__ = ["JS", "bundle", "build_page", "serve", "PAGE"]

JS = Path(__file__).resolve().parent / "js"

#: The page: a full-window stage and the bundle; nothing else may be fetched (CSP; data: images
#: for the tests, which read a screenshot back on a canvas).
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'self'; script-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:">
<title>sigma.js test page</title>
<link rel="icon" href="data:,">
<style>html, body { margin: 0; height: 100%; } #graph { width: 100%; height: 100%; background: #fff; }</style>
</head>
<body>
<div id="graph"></div>
<script src="sigma_page.js"></script>
</body>
</html>
"""


def bundle(out: Path) -> Path:
    """Bundle tests/js/sigma_page.mjs into ``out`` (tests/js/build_sigma_page.mjs); returns the file.

    Raises FileNotFoundError when tests/js/node_modules has no esbuild (run ``npm ci`` there)."""
    if not (JS / "node_modules" / "esbuild").is_dir():
        raise FileNotFoundError(f"{JS / 'node_modules' / 'esbuild'}: run `npm ci` in {JS}")
    node = shutil.which("node")
    if node is None:
        raise FileNotFoundError("node is not installed")
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([node, "build_sigma_page.mjs", str(out)], cwd=JS, check=True, capture_output=True, timeout=120)
    return out


def build_page(folder: Path) -> Path:
    """A folder with ``index.html`` and ``sigma_page.js``; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    bundle(folder / "sigma_page.js")
    (folder / "index.html").write_text(PAGE, encoding="utf-8")
    return folder


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 (a free port) while in the block; yields its base URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
