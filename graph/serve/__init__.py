"""``kg serve``: the graph in a browser, and a SPARQL 1.1 Protocol endpoint.

One Starlette application (:func:`graph.serve.app.create_app`) over one store, read-only:

- ``/`` the live explorer (search, expand, facts with their quotes, paths), and
  ``/sparql`` the SPARQL editor in a browser;
- ``/sparql`` the SPARQL 1.1 Protocol endpoint (:mod:`graph.serve.sparql_endpoint`);
- ``/api/...`` the small JSON API behind the explorer (:mod:`graph.serve.api`).

The server sits on top of the engine (:mod:`graph.store`, :mod:`graph.api`): the engine
never imports it. Starlette and uvicorn are imported only when ``kg serve`` runs, so
``kg --help`` stays fast. Every script and style is served by the application itself
(``static/``, the bundle built by ``js/build.sh``), under a Content-Security-Policy that
allows nothing else.

Example
-------
>>> from graph.serve import DEFAULT_HOST, DEFAULT_PORT, is_loopback
>>> DEFAULT_HOST, DEFAULT_PORT, is_loopback("127.0.0.1"), is_loopback("0.0.0.0")
('127.0.0.1', 8765, True, False)
"""

from __future__ import annotations

import ipaddress

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "is_loopback"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1, ``localhost``).

    >>> is_loopback("localhost"), is_loopback("::1"), is_loopback("192.168.1.5")
    (True, True, False)
    """
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
