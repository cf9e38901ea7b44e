"""The eval harness: suites, the runner, summaries, reports, comparisons and recalibration."""
