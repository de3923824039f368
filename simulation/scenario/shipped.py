"""Where agrifin's own scenario files are, in a source checkout and in an installed wheel.

A wheel carries the scenario files inside the package (``simulation/scenarios``); a source
checkout or an editable install keeps them at the repository root (``scenarios/``). Every
command that accepts a scenario also accepts a shipped scenario's bare name (``baseline``
or ``baseline.yaml``): :func:`find_scenario` says which file that is.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

SUFFIX = ".yaml"
SPACE_FILES = ("uncertainties.yaml", "levers.yaml")  # beside the scenarios, the spaces of agrifin explore/optimize


def shipped_dir() -> Path | None:
    """The folder of the scenario files agrifin ships, or None if this install has none."""
    inside = Path(str(resources.files("simulation"))) / "scenarios"
    if inside.is_dir():
        return inside
    checkout = Path(__file__).resolve().parents[2] / "scenarios"
    return checkout if checkout.is_dir() else None


def shipped_names() -> list[str]:
    """The shipped scenario files' names (``baseline.yaml``, ...), sorted (not the uncertainties and levers)."""
    folder = shipped_dir()
    return sorted(p.name for p in folder.glob("*" + SUFFIX) if p.name not in SPACE_FILES) if folder else []


def shipped_path(name: str) -> Path | None:
    """The shipped file for a bare name (``baseline`` or ``baseline.yaml``), or None."""
    folder = shipped_dir()
    if folder is None or not name or Path(name).name != name:
        return None
    candidate = folder / (name if name.endswith(SUFFIX) else name + SUFFIX)
    return candidate if candidate.is_file() else None


def find_scenario(text: str | Path, relative_to: Path | None = None) -> tuple[Path, list[Path]]:
    """Resolve a scenario reference to a file, and list the paths tried.

    The reference is looked for, in order: relative to ``relative_to``'s folder (the file
    that names it in ``extends``) or, without one, as given (relative to the working
    folder); then as a shipped scenario's bare name.

    Args:
        text: a path or a shipped scenario's name.
        relative_to: the file whose ``extends`` names ``text``, if any.

    Returns:
        ``(path, tried)``: the first existing candidate (or the first candidate tried, if none
        exists, so the caller's "file not found" names it) and every path tried, in order.
    """
    given = Path(text)
    first = relative_to.parent / given if relative_to is not None else given
    tried = [first]
    if first.is_file():
        return first, tried
    shipped = shipped_path(str(text))
    if shipped is not None:
        tried.append(shipped)
        return shipped, tried
    folder = shipped_dir()
    if folder is not None and Path(str(text)).name == str(text):
        tried.append(folder / (str(text) if str(text).endswith(SUFFIX) else str(text) + SUFFIX))
    return first, tried
