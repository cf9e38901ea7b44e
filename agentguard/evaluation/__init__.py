"""Offline evals: suites, the runner, metrics, reports, recalibration and the simulation."""
