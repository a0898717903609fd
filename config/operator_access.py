"""Who may read the probes and the metrics: addresses in OPERATOR_NETWORKS.

`/readyz` says which dependency fails and `/metrics` how the process is doing;
neither is for the public. nginx answers `/metrics` to its own allow-list
(deploy/nginx.conf); this holds the app to the same rule where nothing is in
front of it, as behind an AWS ALB. `/healthz` says only "ok" and stays open.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from shared.errors import permission_denied


def operators_only(view: Callable[..., HttpResponseBase]) -> Callable:
    """Answer view to addresses in settings.OPERATOR_NETWORKS, 403 to others."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if not is_operator_address(request.META.get("REMOTE_ADDR", "")):
            return permission_denied()
        return view(request, *args, **kwargs)

    return guarded


def is_operator_address(address: str) -> bool:
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(client in network for network in operator_networks())


def operator_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n, strict=False) for n in settings.OPERATOR_NETWORKS]
