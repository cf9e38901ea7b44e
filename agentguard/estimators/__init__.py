"""Support estimators: the offline default, and the interface others implement."""
