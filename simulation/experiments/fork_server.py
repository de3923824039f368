"""What the local pool's fork server imports (:data:`simulation.experiments.pool.PRELOAD`).

The fork server is a process that imports the model once; each worker process of the
pool is forked from it and so starts with the model imported. Importing this module
(only the fork server does) imports the model and the runner, then:

- ``gc.freeze()`` moves everything the imports made out of the collector's way, so the
  workers' collections do not walk it and do not copy its memory pages;
- the server ends with ``os._exit`` once the experiment's process has ended (the server
  sees that and exits normally). A normal interpreter exit would first tear down every
  module and object of the model's import, about 0.15 s on the reference machine, and
  the server holds the command's standard output and error until it ends: whoever reads
  them through a pipe (``agrifin run ... | tee log``, a script's ``subprocess.run``)
  would wait that long after the command has finished. The server has nothing to flush
  or clean up: its workers report through their own pipes, which the command reads.
"""

from __future__ import annotations

import atexit
import gc
import os

import simulation.engine.model  # the workers' model
import simulation.experiments.runner  # noqa: F401 (the workers' runner)

gc.freeze()
atexit.register(os._exit, 0)  # runs first at exit (last registered), ending the process at once
