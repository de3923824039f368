"""Experiments: runner, process pool, campaigns, designs, statistics, calibration, profiling."""
