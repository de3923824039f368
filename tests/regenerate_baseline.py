"""Regenerate tests/regression_baseline.json from the fixed regression run, on purpose.

Run it only when a change to the model's numbers is intended, and commit the new
baseline together with the change that caused it:

    python tests/regenerate_baseline.py          # rewrite the baseline, print what changed
    python tests/regenerate_baseline.py --check  # only print what would change
"""

from __future__ import annotations

import argparse
import sys

from regression_run import BASELINE_PATH, differences, load_baseline, summary_means, write_baseline


def main() -> int:
    """Run the fixed regression run, print how it differs from the baseline, and store it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="print the differences without writing the baseline")
    args = parser.parse_args()

    metrics = summary_means()
    baseline = load_baseline() if BASELINE_PATH.exists() else {}
    changes = differences(baseline, metrics) if baseline else [f"no baseline yet: {len(metrics)} metrics"]
    print(f"{BASELINE_PATH.name}: {len(changes) or 'no'} difference{'s' if len(changes) != 1 else ''}")
    for line in changes:
        print(f"  {line}")
    if args.check:
        return 1 if changes else 0
    if changes:
        write_baseline(metrics)
        print(f"wrote {BASELINE_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
