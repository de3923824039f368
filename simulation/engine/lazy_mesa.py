"""Mesa without the spatial subpackages agrifin never uses, until something uses them.

``import mesa`` runs Mesa's ``__init__``, which imports every subpackage: its grids and
networks (``mesa.discrete_space``, which imports ``scipy.spatial`` and ``networkx``), the
legacy ``mesa.space`` (``networkx`` again) and the experimental continuous space
(``scipy.spatial.distance``). agrifin's county is not spatial: households are arrays and
institutions are plain ``mesa.Agent`` objects in a ``mesa.Model``. Importing those
subpackages costs about 0.17 s of the 0.65 s that every experiment's process spends
importing the model before its first run (issue 24: start-up under 1 s), in the command
and in every worker of a pool.

:func:`defer_unused_mesa` installs an import finder that loads the :data:`DEFERRED`
subpackages as *deferred* modules: the module object exists, with its name, file, path
and spec, but its code runs the first time a name it defines is looked up (``from
mesa.discrete_space import OrthogonalMooreGrid``, ``mesa.space.MultiGrid``). Unlike the
standard library's ``importlib.util.LazyLoader``, reading a module's metadata does not
run it: Mesa's module loggers call ``inspect.getmodule``, which reads ``__file__`` of
every loaded module and would otherwise load them all at once. Code that uses these
subpackages therefore works unchanged, and pays for them when it uses them.

The finder acts only on those three names, and only when they are first imported:
if Mesa was imported before agrifin, nothing changes. ``tests/test_lazy_mesa.py`` checks
both sides: the model imports without ``scipy.spatial`` or ``networkx``, and each
deferred subpackage works when used.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading
import types
from collections.abc import Sequence

DEFERRED = ("mesa.discrete_space", "mesa.space", "mesa.experimental.continuous_space")

_LOCK = threading.RLock()


class DeferredModule(types.ModuleType):
    """A module whose code runs when a name it does not yet have is first looked up.

    Attributes set by the import system (``__name__``, ``__file__``, ``__path__``,
    ``__spec__``, ``__loader__``, ``__package__``) are in its namespace from the start,
    so reading them, or importing one of its submodules, does not run it.
    """

    def __getattr__(self, name: str) -> object:
        with _LOCK:
            if type(self) is DeferredModule:  # not run yet (another thread may have run it meanwhile)
                loader = self.__spec__.loader_state
                self.__class__ = types.ModuleType
                loader.exec_module(self)
        return types.ModuleType.__getattribute__(self, name)


class DeferredLoader(importlib.abc.Loader):
    """Creates the module as its own loader would, and leaves running its code to first use."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        """The module object, made by the module's own loader."""
        return self.loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        """Defer: keep the real loader in the spec, to run the module on first use."""
        module.__spec__.loader_state = self.loader
        module.__class__ = DeferredModule


class DeferringFinder(importlib.abc.MetaPathFinder):
    """Finds the named modules with the other finders, and defers running them."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = frozenset(names)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        """The spec the other finders give a deferred name, with its loader deferred."""
        if fullname not in self.names:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = DeferredLoader(spec.loader)
                return spec
        return None


def defer_unused_mesa() -> None:
    """Install the finder for :data:`DEFERRED` (once; a no-op after Mesa is imported)."""
    if "mesa" in sys.modules or any(isinstance(finder, DeferringFinder) for finder in sys.meta_path):
        return
    sys.meta_path.insert(0, DeferringFinder(DEFERRED))
