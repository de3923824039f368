"""Claiming a results folder before any work, so two processes never write into one.

A claim holds an exclusive ``flock`` on ``<folder>/.agrifin.lock`` for the life of the
process (the system releases it when the process ends, however it ends). A new folder
must be empty when claimed; a default folder ``results/<label>-<UTC time>[-n]`` is made
with an exclusive ``mkdir``, so two processes started in the same second get two
folders. ``--resume`` reopens only a folder with an agrifin ``manifest.json``. Every
problem is one line (:class:`BadInput`, exit status 2), and nothing is left behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

from simulation.app.cli.runs import BadInput

LOCK_NAME = ".agrifin.lock"
DEFAULT_BASE = Path("results")
MAX_SUFFIX = 1000


@dataclass
class FolderClaim:
    """A results folder this process holds: ``made`` lists the folders this claim created, innermost first."""

    path: Path
    made: list[Path]
    lock_fd: int
    lock_made: bool = True  # the lock file did not exist before this claim

    def release(self) -> None:
        """Let other processes have the folder (when the command ends; process exit does it too)."""
        with contextlib.suppress(OSError):
            os.close(self.lock_fd)

    def abandon(self) -> None:
        """Give the folder up before any work: remove what the claim made (the lock, the folder)."""
        with contextlib.suppress(OSError):
            if self.lock_made:
                (self.path / LOCK_NAME).unlink(missing_ok=True)
            for folder in self.made:
                folder.rmdir()
        self.release()


def _lock(path: Path, made: list[Path]) -> FolderClaim:
    """Take the folder's lock, or exit 2 naming the folder another process holds."""
    lock_made = not (path / LOCK_NAME).exists()
    try:
        fd = os.open(path / LOCK_NAME, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o666)
    except OSError as err:
        _remove(made)
        raise BadInput(f"{path}: cannot write in the results folder ({err.strerror})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise BadInput(
            f"{path}: another agrifin process is writing to this results folder; choose another -o"
        ) from None
    return FolderClaim(path, made, fd, lock_made)


def _remove(made: list[Path]) -> None:
    with contextlib.suppress(OSError):
        for folder in made:
            folder.rmdir()


def _others(path: Path) -> list[str]:
    return sorted(name for name in os.listdir(path) if name != LOCK_NAME)


def _missing(path: Path) -> list[Path]:
    """``path`` and its ancestors that do not exist yet, innermost first."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists() or folder.is_symlink():
            break
        missing.append(folder)
    return missing


def _make(path: Path, option: str) -> list[Path]:
    """Create ``path`` (and its parents); the folders made, innermost first (none: it existed)."""
    if path.exists() and not path.is_dir():
        raise BadInput(f"{option} {path}: exists and is not a folder")
    missing = _missing(path)
    try:
        path.mkdir(parents=True)
        return missing
    except FileExistsError:
        if not path.is_dir():
            raise BadInput(f"{option} {path}: exists and is not a folder") from None
        return []
    except OSError as err:
        _remove(missing)
        raise BadInput(f"{option} {path}: cannot create the results folder ({err.strerror})") from None


def claim_new(path: Path) -> FolderClaim:
    """Claim ``-o DIR`` for a new experiment: it must not exist, or be an empty folder."""
    made = _make(path, "-o")
    if not made and _others(path):
        raise BadInput(f"{path}: results folder exists and is not empty; choose another -o, or add --resume")
    claim = _lock(path, made)
    if _others(path):  # another process filled it between the look and the lock
        claim.abandon()
        raise BadInput(f"{path}: results folder exists and is not empty; choose another -o, or add --resume")
    return claim


def agrifin_manifest_problem(path: Path) -> str | None:
    """Why ``path/manifest.json`` is not an agrifin manifest (None when it is one)."""
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "not an agrifin results folder (no manifest.json)"
    except (OSError, ValueError) as err:
        return f"manifest.json is unreadable ({err})".splitlines()[0]
    if not isinstance(manifest, dict) or not isinstance(manifest.get("experiment"), dict):
        return "manifest.json is not an agrifin manifest"
    return None


def claim_resume(path: Path) -> FolderClaim:
    """Claim ``-o DIR`` to continue it: an agrifin results folder, or a new or empty one (a fresh start)."""
    if not path.exists() or (path.is_dir() and not _others(path)):
        return claim_new(path)
    if not path.is_dir():
        raise BadInput(f"-o {path}: exists and is not a folder")
    problem = agrifin_manifest_problem(path)
    if problem:
        raise BadInput(f"{path}: {problem}; --resume continues only a folder agrifin made")
    return _lock(path, [])


def claim_default(label: str, base: Path = DEFAULT_BASE) -> FolderClaim:
    """Make and claim ``results/<label>-<UTC time>``, adding ``-2``, ``-3``… while the name is taken."""
    from simulation.outputs.results import utc_stamp

    made = _missing(base)
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        _remove(made)
        raise BadInput(f"{base}: cannot create the results folder ({err.strerror}); name one with -o") from None
    stamp = utc_stamp()
    for suffix in range(1, MAX_SUFFIX + 1):
        path = base / (f"{label}-{stamp}" if suffix == 1 else f"{label}-{stamp}-{suffix}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        except OSError as err:
            _remove(made)
            raise BadInput(f"{path}: cannot create the results folder ({err.strerror}); name one with -o") from None
        return _lock(path, [path, *made])
    raise BadInput(f"{base}: {MAX_SUFFIX} results folders named {label}-{stamp}; name one with -o")
