"""System endpoints of the JSON API."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

import urikake
from urikake.system.health import health

router = Router(tags=["system"])


class VersionOut(Schema):
    name: str
    version: str


@router.get("/version", response=VersionOut, summary="バージョン", url_name="system_version")
def version(request: HttpRequest) -> dict[str, str]:
    return {"name": "urikake", "version": urikake.__version__}


@router.get("/health", summary="稼働状況 (database, worker)", url_name="system_health")
def system_health(request: HttpRequest) -> dict[str, Any]:
    report, _serving = health()
    return report
