"""Large collection statements: size limit, and import + reconciliation as a background task.

A statement of a few thousand lines is imported while the operator waits (the page's
``deposits`` view). A larger one (over ``TREASURY_STATEMENT_INLINE_BYTES``) would hold a web
worker for minutes: it is stored under ``VAR_DIR/statement-imports/`` and a
:class:`~urikake.treasury.models.StatementImportJob` is queued; the worker runs
:func:`run_job` (the same ``import_collection_statement`` — all lines or none — and then the
reconciliation) and records the stage and the counts, which the job page shows while it runs.
Nothing over ``TREASURY_STATEMENT_MAX_BYTES`` is accepted at all.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from urikake.accounts.actors import user_or_none
from urikake.audit import services as audit
from urikake.audit.actors import Actor
from urikake.domain.errors import DomainError
from urikake.faults import checkpoint
from urikake.files import write_atomically
from urikake.treasury import collections
from urikake.treasury.models import StatementImportJob

Stage = StatementImportJob.Stage
Status = StatementImportJob.Status


def max_bytes() -> int:
    return int(settings.TREASURY_STATEMENT_MAX_BYTES)


def inline_bytes() -> int:
    return int(settings.TREASURY_STATEMENT_INLINE_BYTES)


def check_size(size: int) -> None:
    """DomainError (Japanese) when a statement file is larger than the platform accepts."""
    limit = max_bytes()
    if size > limit:
        raise DomainError(
            "statement.too_large",
            f"明細ファイルが大きすぎます（{size / 1_000_000:,.1f}MB）。"
            f"{limit // 1_000_000:,}MB以下に分けて取り込んでください。",
            field="file",
        )


def _folder() -> Path:
    return Path(settings.VAR_DIR) / "statement-imports"


def queue_import(
    content: bytes, *, filename: str, file_format: str, acting_user: Actor
) -> StatementImportJob:
    """Store the file and queue its import; the job is returned at once."""
    from urikake.treasury.tasks import import_statement  # the task module imports this one

    check_size(len(content))
    stored_name = f"{uuid.uuid4().hex}.bin"
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(folder / stored_name, content)
    with transaction.atomic():
        job = StatementImportJob.objects.create(
            filename=filename[:255],
            file_format=file_format,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            stored_name=stored_name,
            requested_by=user_or_none(acting_user),
        )
        audit.record(
            "treasury.statement_import_queued",
            actor=acting_user,
            obj=job,
            payload={"filename": job.filename, "size": job.size, "format": file_format},
        )
        transaction.on_commit(lambda: import_statement.enqueue(job.pk))
    return job


def _advance(job: StatementImportJob, **fields: object) -> None:
    # Saved outside the import's transaction, so the page sees the stage while it runs.
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))


def run_job(job_id: int) -> StatementImportJob:
    """Import and reconcile a queued statement; a job that already ran is left as it is."""
    with transaction.atomic():
        job = StatementImportJob.objects.select_for_update().get(pk=job_id)
        if job.status in {Status.DONE, Status.FAILED}:
            return job
        job.status, job.stage, job.started_at = Status.RUNNING, Stage.READING, timezone.now()
        job.save(update_fields=["status", "stage", "started_at"])
    actor = job.requested_by or "system:statement-import"
    path = _folder() / job.stored_name
    try:
        content = path.read_bytes()
        if hashlib.sha256(content).hexdigest() != job.sha256:
            raise DomainError("statement.changed", "保存した明細ファイルが変更されています。")
        statement = collections.parse_collection_file(content, job.file_format)
        _advance(job, stage=Stage.IMPORTING, lines=len(statement.lines))
        result = collections.import_collection_statement(
            content, filename=job.filename, acting_user=actor, file_format=job.file_format
        )
        _advance(job, stage=Stage.RECONCILING, added=len(result.added), repeated=result.repeated)
        checkpoint("statement_job.imported")  # fault tests: killed between the two steps
        summary = collections.run_reconciliation(acting_user=actor)
    except DomainError as exc:
        _advance(
            job,
            status=Status.FAILED,
            stage=Stage.FINISHED,
            error=str(exc.message),
            finished_at=timezone.now(),
        )
        audit.record(
            "treasury.statement_import_failed", actor=actor, obj=job, payload={"code": exc.code}
        )
        return job
    _advance(
        job,
        status=Status.DONE,
        stage=Stage.FINISHED,
        auto=summary.auto,
        suggested=summary.suggested,
        unmatched=summary.unmatched,
        finished_at=timezone.now(),
    )
    audit.record(
        "treasury.statement_import_finished",
        actor=actor,
        obj=job,
        payload={"added": job.added, "repeated": job.repeated, "auto": job.auto},
    )
    path.unlink(missing_ok=True)  # the deposits and their statement record are the evidence
    return job
