"""Who may scrape ``/metrics``: an allow-listed address, or the bearer token from settings.

The figures (queue depths, payout counts, connection health) are internal, so the endpoint
is never public. Two ways in, either suffices:

* ``METRICS_BEARER_TOKEN`` (env ``URIKAKE_METRICS_TOKEN``): Prometheus sends
  ``Authorization: Bearer <token>`` (``authorization: {credentials: …}`` in its scrape
  config). Compared in constant time.
* ``METRICS_ALLOWED_NETWORKS`` (env ``URIKAKE_METRICS_ALLOWED_NETWORKS``, CIDRs): the
  *direct* peer address (``REMOTE_ADDR``, never ``X-Forwarded-For``). Empty by default in
  production: behind the reverse proxy every request comes from 127.0.0.1, so loopback there
  would mean "everyone". Development allows loopback.

Anyone else gets a plain 404, as if there were nothing here.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address_allowed(address: str) -> bool:
    try:
        peer = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(
        peer in ipaddress.ip_network(network, strict=False)
        for network in settings.METRICS_ALLOWED_NETWORKS
    )


def _token_ok(header: str) -> bool:
    expected = settings.METRICS_BEARER_TOKEN
    scheme, _, presented = header.partition(" ")
    if not expected or scheme.lower() != "bearer" or not presented:
        return False
    return hmac.compare_digest(presented.strip().encode(), expected.encode())


def may_scrape(request: HttpRequest) -> bool:
    if _token_ok(request.headers.get("Authorization", "")):
        return True
    return _address_allowed(request.META.get("REMOTE_ADDR", ""))
