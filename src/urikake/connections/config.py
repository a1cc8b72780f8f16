"""Config as code: the register as YAML (``urikake connections export`` / ``import``).

Export writes every connection's description and terms; the lifecycle (stage, approval number,
validity) is written under ``status`` for the reader and ignored on import. Import validates the
whole file first and applies it in one transaction (all or nothing): a new name is registered
(stage 企画), descriptive fields are updated, and a change to the terms or the purpose becomes a
*change request* (proposed by the importing user; another person confirms it in the back office
— the terms in force do not change until then).
"""

from __future__ import annotations

from typing import Any

import yaml
from django.contrib.auth import get_user_model
from django.db import transaction

from urikake.audit import services as audit
from urikake.connections import services
from urikake.connections.models import DIRECTION_CHOICES, ENVIRONMENT_CHOICES, Connection
from urikake.domain.errors import DomainError

DESCRIPTIVE = tuple(f for f in services.REGISTER_FIELDS if f not in {"environment", "purpose"})
VERSION = 1


def export() -> str:
    rows = []
    for row in Connection.objects.select_related("owner").order_by("name"):
        rows.append(
            {
                "name": row.name,
                "environment": row.environment,
                "purpose": row.purpose,
                **{f: getattr(row, f) for f in DESCRIPTIVE},
                "owner": row.owner.email if row.owner else "",
                "terms": row.terms,
                "checklist": row.checklist,
                "status": {
                    "stage": row.stage,
                    "approval_number": row.approval_number,
                    "valid_from": row.valid_from.isoformat() if row.valid_from else None,
                    "valid_to": row.valid_to.isoformat() if row.valid_to else None,
                    "version": row.version,
                },
            }
        )
    return yaml.safe_dump(
        {"version": VERSION, "connections": rows}, allow_unicode=True, sort_keys=False
    )


def _fail(where: str, message: str) -> DomainError:
    return DomainError("connections.import", f"{where}: {message}")


def _validate(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict) or document.get("version") != VERSION:
        raise _fail("ファイル", f"version: {VERSION} の YAML ではありません")
    items = document.get("connections")
    if not isinstance(items, list):
        raise _fail("ファイル", "connections の一覧がありません")
    seen: set[str] = set()
    environments = {v for v, _ in ENVIRONMENT_CHOICES}
    directions = {v for v, _ in DIRECTION_CHOICES}
    for index, item in enumerate(items, start=1):
        where = f"{index}件目"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise _fail(where, "name がありません")
        where = f"{index}件目（{item['name']}）"
        if item["name"] in seen:
            raise _fail(where, "同じ name が2回あります")
        seen.add(item["name"])
        unknown = set(item) - {
            "name",
            "environment",
            "purpose",
            "owner",
            "terms",
            "checklist",
            "status",
            *DESCRIPTIVE,
        }
        if unknown:
            raise _fail(where, f"不明な項目: {', '.join(sorted(unknown))}")
        if item.get("environment") not in environments:
            raise _fail(where, "environment は sandbox か production です")
        if item.get("direction") not in directions:
            raise _fail(where, "direction は outbound / inbound / both です")
        if not item.get("purpose") or not item.get("title") or not item.get("counterpart"):
            raise _fail(where, "title・purpose・counterpart は必須です")
        for key in DESCRIPTIVE:
            if key in item and not isinstance(item[key], str):
                raise _fail(where, f"{key} は文字列です")
        try:
            item["terms"] = services.clean_terms(item.get("terms") or {})
            item["checklist"] = services.clean_checklist(item.get("checklist") or {})
        except DomainError as exc:
            raise _fail(where, exc.message) from exc
    return items


def import_yaml(text: str, *, acting_user: Any) -> dict[str, list[str]]:
    """Apply the file (all or nothing); what happened, by kind."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _fail("ファイル", "YAML として読めません") from exc
    items = _validate(document)
    users = get_user_model()
    report: dict[str, list[str]] = {
        "registered": [],
        "updated": [],
        "change_requests": [],
        "unchanged": [],
    }
    with transaction.atomic():
        for item in items:
            owner = (
                users.objects.filter(email__iexact=item.get("owner") or "").first()
                if item.get("owner")
                else None
            )
            row = Connection.objects.filter(name=item["name"]).first()
            if row is None:
                services.register(
                    item["name"],
                    acting_user=acting_user,
                    owner=owner,
                    terms=item["terms"],
                    checklist=item["checklist"],
                    environment=item["environment"],
                    purpose=item["purpose"],
                    **{k: item[k] for k in DESCRIPTIVE if k in item},
                )
                report["registered"].append(item["name"])
                continue
            if row.environment != item["environment"]:
                raise _fail(
                    item["name"],
                    "環境（environment）は変更できません。別の接続として登録してください",
                )
            changes = {k: item[k] for k in DESCRIPTIVE if k in item and getattr(row, k) != item[k]}
            if item.get("checklist") and item["checklist"] != row.checklist:
                changes["checklist"] = item["checklist"]
            if owner is not None and owner != row.owner:
                changes["owner"] = owner
            if changes:
                for key, value in changes.items():
                    setattr(row, key, value)
                row.save()
                audit.record(
                    "connection.details_updated",
                    actor=acting_user,
                    obj=row,
                    payload={"fields": sorted(changes), "source": "import"},
                )
                report["updated"].append(row.name)
            term_changes = {k: v for k, v in item["terms"].items() if row.terms.get(k) != v}
            if item["purpose"] != row.purpose:
                term_changes["purpose"] = item["purpose"]
            if term_changes:
                services.propose(
                    row,
                    "change",
                    acting_user=acting_user,
                    payload=term_changes,
                    note="設定ファイルからの変更",
                )
                report["change_requests"].append(row.name)
            if not changes and not term_changes:
                report["unchanged"].append(row.name)
    return report
