"""Test settings: property-based tests draw the same examples on every run."""

from __future__ import annotations

import os

from hypothesis import settings

# reproducible by default; HYPOTHESIS_PROFILE=explore draws fresh examples to search for new failures
settings.register_profile("agrifin", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", database=None, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "agrifin"))
