"""Mesa's spatial subpackages are not imported with the model, and work when used."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def python(code: str) -> list[str]:
    """Run ``code`` in a fresh interpreter and return its printed lines."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_the_model_imports_without_scipy_spatial_or_networkx():
    printed = python(
        """
        import sys
        from simulation.engine.model import ValueChainModel
        from simulation.experiments.runner import simulate
        print(*(name in sys.modules for name in ("scipy.spatial", "networkx", "mesa.discrete_space.grid")))
        print(type(sys.modules["mesa.discrete_space"]).__name__)
        """
    )

    assert printed == ["False", "False", "False", "DeferredModule"]


def test_each_deferred_subpackage_works_when_used():
    printed = python(
        """
        import sys
        import mesa
        from simulation.engine.model import ValueChainModel
        from mesa.discrete_space import OrthogonalMooreGrid
        from mesa.experimental.continuous_space import ContinuousSpace
        import mesa.discrete_space.voronoi

        model = mesa.Model(rng=1)
        grid = OrthogonalMooreGrid((3, 4), torus=False, random=model.random)
        legacy = mesa.space.MultiGrid(2, 2, torus=False)
        space = ContinuousSpace([[0, 1], [0, 1]], random=model.random)
        print(len(grid.all_cells), legacy.width, type(space).__name__, "scipy.spatial" in sys.modules)
        print(mesa.discrete_space.voronoi.VoronoiGrid.__name__)
        """
    )

    assert printed == ["12", "2", "ContinuousSpace", "True", "VoronoiGrid"]


def test_mesa_imported_before_agrifin_is_left_as_it_is():
    printed = python(
        """
        import sys
        import mesa
        from simulation.engine.model import ValueChainModel
        print(type(sys.modules["mesa.discrete_space"]).__name__, "scipy.spatial" in sys.modules)
        """
    )

    assert printed == ["module", "True"]
