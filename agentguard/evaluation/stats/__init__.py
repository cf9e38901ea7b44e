"""Statistics of an eval, in numpy: calibration and ranking metrics with bootstrap intervals."""
