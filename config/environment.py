"""Environment readers: each setting typed, and named when it is missing or wrong."""

from __future__ import annotations

import ipaddress
import os

from django.core.exceptions import ImproperlyConfigured


def env(name: str, default: str | None = None) -> str:
    """Return the variable name, or default; without either, refuse to start."""
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the {name} environment variable.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


def env_float(name: str, default: float) -> float:
    return float(env(name, str(default)))


def env_list(name: str, default: str = "") -> list[str]:
    """Return the comma-separated items of the variable name, stripped."""
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def require_networks(name: str, networks: list[str]) -> list[str]:
    """Return networks if each is an address or a CIDR network; else refuse."""
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: {network!r} is not an address or a CIDR network."
            ) from None
    return networks
