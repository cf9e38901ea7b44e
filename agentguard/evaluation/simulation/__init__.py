"""The premise's thought experiments, simulated with the real monitor in the loop."""
