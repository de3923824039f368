"""The README's Python API works from a plain script, from stdin and from a notebook-like session.

None of the three has an ``if __name__ == "__main__":`` guard. Each asks for two
workers, so the pool's processes start; the script must run once and every run succeed.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent(
    """
    from simulation import load_scenario, run

    print("script body ran")
    sc = load_scenario("baseline", overrides={"population.households": 300, "horizon.years": 1})
    res = run(sc, replications=3, seed=1, workers=2)
    print("statuses", sorted({r.status for r in res.runs}), len(res.summary))
    """
)


def launched(how: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """Run :data:`SCRIPT` the way a researcher would: as a file, piped to stdin, or exec'd in a session."""
    script = folder / "first_script.py"
    script.write_text(SCRIPT)
    commands = {
        "file": ([sys.executable, str(script)], None),
        "stdin": ([sys.executable, "-"], SCRIPT),
        # a notebook kernel executes cells in a __main__ that has no __file__
        "session": ([sys.executable, "-c", f"exec(compile(open({str(script)!r}).read(), '<cell>', 'exec'))"], None),
    }
    command, stdin = commands[how]
    return subprocess.run(command, input=stdin, cwd=folder, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("how", ["file", "stdin", "session"])
def test_run_with_a_pool_works_without_a_main_guard(how, tmp_path):
    done = launched(how, tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout.count("script body ran") == 1  # the workers did not run the script again
    assert "statuses ['ok'] 3" in done.stdout
    assert "Traceback" not in done.stderr and "bootstrapping" not in done.stderr


def test_the_main_module_is_restored_after_the_pool_starts():
    from simulation.experiments.pool import main_module_hidden

    main = sys.modules["__main__"]
    before = (main.__dict__.get("__file__"), main.__dict__.get("__spec__"))
    with main_module_hidden():
        assert getattr(main, "__file__", None) is None and main.__spec__ is None
    assert (main.__dict__.get("__file__"), main.__dict__.get("__spec__")) == before
