"""Checking a Dask scheduler address before connecting to it, within seconds.

``distributed.Client`` given a wrong address can wait a long time, or fail with an
unhelpful error: an HTTP server (the Dask dashboard's port, 8787, by mistake) accepts the
connection and then says nothing. So the address is parsed first (``tcp://host:port``,
``tls://host:port`` or ``host:port``), then a plain TCP connection is opened with a short
timeout, and for ``tcp://`` the first bytes are read: a Dask server speaks first, sending
its handshake (a length-prefixed frame listing the frames that follow and naming its
Python and pickle protocol); anything else, or silence, is not a Dask scheduler.
"""

from __future__ import annotations

import socket
import struct
from urllib.parse import urlsplit

CONNECT_SECONDS = 5.0  # to open the TCP connection
HANDSHAKE_SECONDS = 5.0  # for the scheduler's first message
CLIENT_SECONDS = 15.0  # for distributed.Client to connect afterwards; all three stay under 30 s
DEFAULT_PORT = 8786
SCHEMES = ("tcp", "tls")
MAX_HANDSHAKE_BYTES = 1 << 16


class SchedulerError(ValueError):
    """An address that is not a reachable Dask scheduler; the message is one line."""


def parse_address(address: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of a scheduler address; ``host:port`` means ``tcp://host:port``.

    Raises:
        SchedulerError: not an address of the form ``tcp://host:port``.
    """
    text = address.strip()
    if not text:
        raise SchedulerError("an empty address; expected tcp://host:8786")
    parts = urlsplit(text if "://" in text else f"tcp://{text}")
    try:
        port = DEFAULT_PORT if parts.port is None else parts.port
    except ValueError:
        raise SchedulerError("the port is not a number from 1 to 65535; expected tcp://host:8786") from None
    if parts.scheme not in SCHEMES:
        raise SchedulerError(f"scheme {parts.scheme!r} is not supported; expected tcp://host:8786 (or tls://)")
    if not parts.hostname or parts.path not in ("", "/") or parts.query or parts.fragment or " " in text:
        raise SchedulerError("not an address; expected tcp://host:8786")
    if not 0 < port < 65536:
        raise SchedulerError("the port is not a number from 1 to 65535; expected tcp://host:8786")
    return parts.scheme, parts.hostname, port


def _receive(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def looks_like_dask(first: bytes) -> bool:
    """Whether a server's first bytes are a Dask handshake: a length, a frame count, then the frames."""
    if len(first) < 16:
        return False
    length, frames = struct.unpack("<QQ", first[:16])
    return 16 <= length + 8 <= MAX_HANDSHAKE_BYTES and 1 <= frames <= 64


def check_scheduler(address: str) -> str:
    """The address, once checked to be a Dask scheduler that answers.

    Raises:
        SchedulerError: a malformed address, an unknown host, nothing listening, or a
            server that is not a Dask scheduler; each within about 10 seconds.
    """
    scheme, host, port = parse_address(address)
    try:
        sock = socket.create_connection((host, port), timeout=CONNECT_SECONDS)
    except socket.gaierror:
        raise SchedulerError(f"cannot reach the Dask scheduler: unknown host {host!r}") from None
    except TimeoutError:
        raise SchedulerError(
            f"cannot reach the Dask scheduler: no answer from {host}:{port} within {CONNECT_SECONDS:.0f} s"
        ) from None
    except OSError as err:
        raise SchedulerError(f"cannot reach the Dask scheduler at {host}:{port} ({err.strerror or err})") from None
    with sock:
        if scheme == "tls":  # encrypted: the handshake cannot be read before TLS; distributed checks it
            return address
        sock.settimeout(HANDSHAKE_SECONDS)
        try:
            first = _receive(sock, 16)
        except TimeoutError:
            first = b""
        except OSError as err:
            raise SchedulerError(f"the connection to {host}:{port} failed ({err.strerror or err})") from None
    if not looks_like_dask(first):
        said = "said nothing" if not first else f"answered {first[:12]!r}"
        raise SchedulerError(
            f"{host}:{port} is not a Dask scheduler (it {said}); the scheduler listens on port "
            f"{DEFAULT_PORT} by default, its dashboard on 8787"
        )
    return address
