"""``agrifin dashboard``: the planners' page, served on 127.0.0.1 from this process."""

from __future__ import annotations

import contextlib
import errno
import logging
import socket
from pathlib import Path

import click

from simulation.app.cli.runs import BadInput, encoding_option
from simulation.scenario.loading import load_scenario

DEFAULT_PORT = 8050
HOST = "127.0.0.1"


def default_scenario() -> Path:
    """``scenarios/baseline.yaml`` here, else agrifin's own."""
    from simulation.scenario.shipped import shipped_path

    here = Path("scenarios") / "baseline.yaml"
    return here if here.is_file() else (shipped_path("baseline") or here)


@click.command()
@click.argument("scenario", required=False, type=click.Path(path_type=Path))
@click.option("--port", type=click.IntRange(1, 65535), help=f"Port on {HOST} (default {DEFAULT_PORT}, or a free one).")
@click.option("--households", type=click.IntRange(min=1), help="Households at start (default: the scenario's).")
@click.option("--seed", default=1, show_default=True, type=click.IntRange(min=0), help="Seed at start.")
@click.option(
    "--save-dir",
    default=Path("."),
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder the page saves lever sets to (it can be changed on the page).",
)
@encoding_option
def dashboard(
    scenario: Path | None, port: int | None, households: int | None, seed: int, save_dir: Path, encoding: str | None
) -> None:
    """Serve an interactive page to move levers and watch SCENARIO's county month by month.

    SCENARIO defaults to scenarios/baseline.yaml. The page is local (127.0.0.1) and needs no
    internet access. Stop it with Ctrl+C.
    """
    from simulation.extras import require

    require("dash", "dashboard")  # not installed: the pip hint, exit 2
    source = scenario or default_scenario()
    load_scenario(source, {"population.households": households} if households else None, encoding)  # bad: exit 2
    listener = listen(port)  # a busy --port: exit 2, before the page is built

    from werkzeug.serving import make_server

    from simulation.app.dashboard.app import CountyDashboard
    from simulation.app.dashboard.guard import guard_local_requests

    board = CountyDashboard(source, households=households, seed=seed, save_dir=save_dir, encoding=encoding)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = listener.getsockname()[1]
    guard_local_requests(board.app.server, port)  # no other site's page may drive it (DNS rebinding)
    server = make_server(HOST, port, board.app.server, threaded=True, fd=listener.fileno())
    listener.close()  # the server holds its own copy of the socket
    click.echo(f"agrifin dashboard: {board.start.name} ({source}) at http://{HOST}:{server.port}/")
    click.echo("Press Ctrl+C to stop.")
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()  # until Ctrl+C
    server.server_close()
    click.echo("\nagrifin dashboard: stopped")


def listen(port: int | None) -> socket.socket:
    """A listening socket on 127.0.0.1: ``port``, or the default port if free, else one the system picks.

    Raises:
        BadInput: ``port`` is in use or cannot be opened.
    """
    for candidate in (port,) if port is not None else (DEFAULT_PORT, 0):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((HOST, candidate))
            listener.listen(128)
            return listener
        except OSError as err:
            listener.close()
            if port is not None:
                problem = "is in use" if err.errno == errno.EADDRINUSE else f"cannot be opened ({err.strerror})"
                raise BadInput(
                    f"--port {port}: the port {problem} on {HOST}; choose another or leave out --port"
                ) from None
    raise BadInput(f"no free port on {HOST}")
