"""The ``kg serve`` command (Starlette and uvicorn are imported only when it runs)."""

from __future__ import annotations

from pathlib import Path

import click

from graph.serve import DEFAULT_HOST, DEFAULT_PORT, is_loopback

__all__ = ["serve_command"]


@click.command("serve")
@click.option("--data", "data_dir", default="data", show_default=True, envvar="KG_DATA",
              type=click.Path(file_okay=False, path_type=Path), help="Folder of curated YAML files.")
@click.option("--store", "store_spec", metavar="SPEC", default=None, envvar="KG_STORE",
              help="The store to serve (default: the data folder's own, DATA/.kg; oxigraph:PATH, sparql:URL).")
@click.option("--host", default=DEFAULT_HOST, show_default=True,
              help="Address to listen on; anything but loopback exposes the graph to the network.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--open", "open_browser", is_flag=True, help="Open the explorer in a browser.")
@click.option("--timeout", default=30.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds a query or an API request may run.")
@click.option("--max-rows", default=10_000, show_default=True, type=click.IntRange(1, 10_000_000),
              help="Rows (or triples) in one SPARQL answer; past that it is cut (X-KG-Truncated).")
def serve_command(data_dir: Path, store_spec: str | None, host: str, port: int, open_browser: bool, timeout: float,
                  max_rows: int) -> None:
    """Explore and query the graph in a browser: the live explorer at /, the SPARQL editor
    and a SPARQL 1.1 Protocol endpoint at /sparql, a JSON API at /api/ (see the README).

    Read-only; every page, script and style comes from this server (nothing from the
    network). Listens on 127.0.0.1 unless --host says otherwise. Ctrl-C stops it.

    \b
    Example:
        kg serve                               # http://127.0.0.1:8765/
        kg serve --port 9000 --open
        kg query --endpoint http://127.0.0.1:8765/sparql contracts-by-value
    """
    import uvicorn

    from graph.cli_questions import _open_store
    from graph.serve.app import create_app

    loopback = is_loopback(host)
    with _open_store(store_spec, data_dir) as store:
        app = create_app(store, timeout=timeout, max_rows=max_rows, loopback_only=loopback)
        config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                                limit_concurrency=200, timeout_keep_alive=5, timeout_graceful_shutdown=5,
                                lifespan="off")
        sock = _listen(host, port)
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{sock.getsockname()[1]}/"
        click.echo(f"kg: serving {store.spec or data_dir} at {url} (SPARQL: {url}sparql; Ctrl-C stops)", err=True)
        if not loopback:
            click.echo(f"kg: warning: --host {host} exposes the graph to the network: anyone who can reach "
                       "this address can read it", err=True)
        # the search index of a new store generation: made once, in a thread (the API answers
        # 503 with its progress until it is made; the SPARQL endpoint and the pages at once)
        import time

        began = time.monotonic()
        app.app.state.explorer.warm_in_background(  # each step with the seconds since the start
            lambda m: click.echo(f"kg: {m} (at {time.monotonic() - began:.0f} s)", err=True) if m else None,
            lambda exc: click.echo(f"kg: warning: the search index could not be made: {exc}", err=True))
        if open_browser:
            import webbrowser

            webbrowser.open(url)
        try:
            _serve(uvicorn.Server(config), sock)
        finally:  # the index being made is given up before the store is closed under it
            app.app.state.explorer.stop()
    click.echo("kg: stopped", err=True)


def _listen(host: str, port: int):
    """A listening socket on ``host:port``; GraphError (one line) if it cannot be had."""
    import socket

    from graph.errors import GraphError

    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        return socket.create_server((host.strip("[]"), port), family=family, reuse_port=False)
    except OSError as exc:
        raise GraphError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _serve(server, sock) -> None:
    """Run ``server`` on ``sock`` until Ctrl-C (or SIGTERM), then close the socket."""
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # a second Ctrl-C while stopping
        pass
    finally:
        sock.close()
