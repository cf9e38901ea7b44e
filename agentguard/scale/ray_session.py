"""Ray itself, for the Ray backend (extra `ray`): imported only when used, started or joined."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

from agentguard.errors import InputError

INSTALL = "pip install 'agentguard[ray]' (in a source checkout: pip install -e '.[ray]')"


# --- Ray itself ------------------------------------------------------------------------------


def import_ray() -> ModuleType:
    """The `ray` module, with Ray Data.

    Raises:
        InputError: when Ray is not installed, saying how to install it.
    """
    try:
        import ray
        import ray.data
    except ImportError:
        raise InputError("ray", f"Ray is not installed: {INSTALL}") from None
    return ray


def start_ray(address: str | None) -> bool:
    """Start (or join, with `address`) Ray unless it runs; whether this call started it."""
    ray: Any = import_ray()
    if ray.is_initialized():
        return False
    ray.init(address=address, include_dashboard=False, log_to_driver=False)
    return True


@contextlib.contextmanager
def ray_session(address: str | None = None) -> Iterator[None]:
    """Ray running for the block; shut down after only if the block started it."""
    started = start_ray(address)
    try:
        yield
    finally:
        if started:
            import_ray().shutdown()


def cluster_cpus() -> int:
    """The CPUs of the Ray cluster (at least 1); Ray must be running."""
    ray: Any = import_ray()
    return max(1, int(ray.cluster_resources().get("CPU", 1)))
