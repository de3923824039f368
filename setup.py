"""Build hook: the wheel carries the repository's ``scenarios/`` tree as ``simulation/scenarios/``.

The scenario files stay at the repository root, where users and the other commands expect
them; at build time every file under ``scenarios/`` (any depth, any type) is copied into
the built package, so an installed wheel finds them with ``importlib.resources``
(:mod:`simulation.scenario.shipped`). Everything else is declared in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithScenarios(build_py):
    """``build_py`` that also copies ``scenarios/`` into ``<build>/simulation/scenarios``."""

    def run(self) -> None:
        """Build the packages, then add the scenario tree (skipped in editable installs, which read the checkout)."""
        super().run()
        if self.editable_mode:
            return
        source = ROOT / "scenarios"
        if source.is_dir():
            target = Path(self.build_lib) / "simulation" / "scenarios"
            shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", ".*"))


setup(cmdclass={"build_py": BuildWithScenarios})
