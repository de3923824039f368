"""Who may talk to the dashboard: pages served from 127.0.0.1 or localhost on its own port.

The dashboard listens on 127.0.0.1 only, but a web page from elsewhere can still reach it
through the user's browser by DNS rebinding (its own host name, re-pointed at 127.0.0.1)
or a cross-site request. Such requests carry a foreign ``Host`` or ``Origin`` header, so
every request whose ``Host`` is not ``127.0.0.1:PORT`` or ``localhost:PORT``, or whose
``Origin`` (when sent) is not ``http://`` one of those, is refused with 403 before any
callback runs.
"""

from __future__ import annotations

from flask import Flask, Response, request


def local_hosts(port: int) -> frozenset[str]:
    """The ``Host`` values of the dashboard's own address."""
    return frozenset({f"127.0.0.1:{port}", f"localhost:{port}"})


def guard_local_requests(server: Flask, port: int) -> None:
    """Refuse (403) every request to ``server`` whose Host or Origin is not the dashboard's own."""
    hosts = local_hosts(port)
    origins = frozenset(f"http://{host}" for host in hosts)

    @server.before_request
    def _only_from_this_machine() -> Response | None:
        host = request.headers.get("Host", "").lower()
        origin = request.headers.get("Origin")
        if host not in hosts:
            return Response(f"agrifin dashboard: refused Host {host!r}\n", status=403, mimetype="text/plain")
        if origin is not None and origin.lower() not in origins:
            return Response(f"agrifin dashboard: refused Origin {origin!r}\n", status=403, mimetype="text/plain")
        return None
