"""Large collection statements: refused over the limit, imported by the worker with progress."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.integration.treasury.helpers import funded_deal, paid_on, purchase_of, statement_file
from urikake.audit.models import AuditRecord
from urikake.treasury.models import CollectionStatement, Deposit, StatementImportJob
from urikake.treasury.tasks import import_statement

pytestmark = pytest.mark.django_db

DEPOSITS = "/backoffice/treasury/deposits/"


@pytest.fixture
def staff_client(treasury_staff) -> Client:
    client = Client()
    client.force_login(treasury_staff)
    return client


def _upload(client: Client, content: bytes, name: str = "big.txt"):
    upload = SimpleUploadedFile(name, content)
    return client.post(DEPOSITS, {"file": upload, "file_format": "zengin"}, follow=True)


def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(
    staff_client, settings, tmp_path
) -> None:
    settings.TREASURY_STATEMENT_MAX_BYTES = 1_000
    settings.VAR_DIR = tmp_path
    page = _upload(staff_client, b"1" * 1_001)
    assert "明細ファイルが大きすぎます" in page.content.decode()
    assert not StatementImportJob.objects.exists()
    assert not CollectionStatement.objects.exists()
    assert not (tmp_path / "statement-imports").exists()


def test_a_large_file_is_imported_by_the_worker_with_its_stage_shown(
    staff_client, treasury_staff, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.TREASURY_STATEMENT_INLINE_BYTES = 100  # every real file counts as large here
    settings.VAR_DIR = tmp_path
    deal = funded_deal(treasury_staff, amount=1_200_000)
    purchase = purchase_of(deal)
    filler = [(timezone.localdate() - timedelta(days=1), 1_000 + n, "ｿﾉﾀ") for n in range(50)]
    content = statement_file([(paid_on(purchase), purchase.face_amount, "ﾃﾞﾕﾌﾟ"), *filler])
    with django_capture_on_commit_callbacks(execute=True):
        page = _upload(staff_client, content)
    job = StatementImportJob.objects.get()
    assert page.redirect_chain[-1][0] == f"{DEPOSITS}imports/{job.pk}/"
    html = page.content.decode()
    assert "順番待ち" in html
    assert 'http-equiv="refresh"' in html  # the page refreshes itself while the job runs
    assert not Deposit.objects.exists()  # nothing imported inside the request
    queued = DBTaskResult.objects.get(task_path__endswith="import_statement")
    assert queued.args_kwargs["args"] == [job.pk]

    import_statement.call(job.pk)  # what the worker runs

    job.refresh_from_db()
    assert (job.status, job.stage) == ("done", "finished")
    assert (job.lines, job.added, job.repeated) == (51, 51, 0)
    assert job.auto + job.suggested + job.unmatched >= 1
    assert Deposit.objects.count() == 51
    done = staff_client.get(f"{DEPOSITS}imports/{job.pk}/").content.decode()
    assert "完了" in done
    assert 'http-equiv="refresh"' not in done
    assert not list((tmp_path / "statement-imports").iterdir())  # the copy is removed
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {"treasury.statement_import_queued", "treasury.statement_import_finished"} <= actions
    # Running the task again (a retried worker) changes nothing.
    import_statement.call(job.pk)
    assert Deposit.objects.count() == 51


def test_a_bad_large_file_fails_whole_with_a_japanese_reason(
    staff_client, settings, tmp_path
) -> None:
    settings.TREASURY_STATEMENT_INLINE_BYTES = 100
    settings.VAR_DIR = tmp_path
    _upload(staff_client, b"not a statement\r\n" * 20)
    job = StatementImportJob.objects.get()
    import_statement.call(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    page = staff_client.get(f"{DEPOSITS}imports/{job.pk}/").content.decode()
    assert "失敗" in page
    assert job.error in page
    assert job.error  # a reason a person can read
    assert not Deposit.objects.exists()
    assert not CollectionStatement.objects.exists()
