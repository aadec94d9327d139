"""E-ARK submission packages of a selection: command, page, task with progress."""

import datetime
import io
import json
import zipfile
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from archive.models import AccessLog, Export, ExportStatus, RecordType
from archive.services import exports as services
from tests.archive.test_eark import run_validator


def data_files(path_or_bytes):
    source = io.BytesIO(path_or_bytes) if isinstance(path_or_bytes, bytes) else path_or_bytes
    with zipfile.ZipFile(source) as archive:
        return {
            name.split("/data/")[1]: archive.read(name)
            for name in archive.namelist()
            if "/representations/rep1/data/" in name
        }


def test_command_writes_a_valid_package(make_record, channel, tmp_path):
    records = [make_record(text=f"Kommentar {n} om båtklubben") for n in range(3)]
    out = tmp_path / "paket.zip"
    stdout = StringIO()
    call_command(
        "archive_export_sip", "--channel", str(channel.pk), "--out", str(out), stdout=stdout
    )
    assert "3 records" in stdout.getvalue()
    files = data_files(out)
    assert set(files) == {f"record-{r.pk}.{ext}" for r in records for ext in ("json", "pdf")}
    document = json.loads(files[f"record-{records[0].pk}.json"])
    assert document["sha256"] == records[0].hash
    assert document["text"] == "Kommentar 0 om båtklubben"
    assert document["content"]["raw"]["message"] == "Kommentar 0 om båtklubben"
    result = run_validator(out)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid (0 errors)" in result.stdout
    assert AccessLog.objects.get(action=AccessLog.Action.EXPORT_SIP).record_ids == [
        r.pk for r in records
    ]


def test_command_selects_by_period_and_refuses_empty(make_record, tmp_path):
    old = make_record(acted_at=timezone.now() - datetime.timedelta(days=40))
    new = make_record()
    out = tmp_path / "paket.zip"
    since = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    call_command(
        "archive_export_sip", "--since", since, "--no-pdf", "--out", str(out), stdout=StringIO()
    )
    assert set(data_files(out)) == {f"record-{new.pk}.json"}
    until = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    call_command("archive_export_sip", "--until", until, "--out", str(out), stdout=StringIO())
    assert f"record-{old.pk}.json" in data_files(out)
    with pytest.raises(CommandError):
        call_command(
            "archive_export_sip",
            "--since",
            "2000-01-01",
            "--until",
            "2000-01-02",
            "--out",
            str(tmp_path / "tom.zip"),
            stdout=StringIO(),
        )
    assert not (tmp_path / "tom.zip").exists()
    with pytest.raises(CommandError):
        call_command("archive_export_sip", "--channel", "999999", "--out", str(out))


def test_small_selection_downloads_at_once(client, registrar, make_record):
    record = make_record()
    client.force_login(registrar)
    response = client.post(reverse("archive:export_list"), {"record_type": "removed"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    body = b"".join(response.streaming_content)
    assert f"record-{record.pk}.json" in data_files(body)
    assert Export.objects.count() == 0


def test_large_selection_runs_as_a_task_with_progress(
    client,
    registrar,
    make_record,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
    monkeypatch,
    caplog,
):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.ARCHIVE_EXPORT_INLINE_LIMIT = 2
    monkeypatch.setattr(services, "PROGRESS_EVERY", 2)
    records = [make_record(record_type=RecordType.DIRECT_MESSAGE) for _ in range(5)]
    make_record(record_type=RecordType.REMOVED)
    client.force_login(registrar)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        caplog.at_level("INFO", logger="archive.services.exports"),
    ):
        response = client.post(reverse("archive:export_list"), {"record_type": "direct_message"})
    assert len(callbacks) == 1
    export = Export.objects.get()
    assert response.status_code == 302 and response.url == export.get_absolute_url()
    assert export.status == ExportStatus.DONE
    assert (export.progress, export.total) == (5, 5)
    assert export.file_path.startswith("exports/")
    path = Path(settings.MEDIA_ROOT) / export.file_path
    assert path.is_file() and export.file_size == path.stat().st_size
    assert set(data_files(path)) == {
        f"record-{r.pk}.{ext}" for r in records for ext in ("json", "pdf")
    }
    progress = [m for m in caplog.messages if "records written" in m]
    assert progress[:2] == [
        f"Export {export.pk}: 2 of 5 records written",
        f"Export {export.pk}: 4 of 5 records written",
    ]

    response = client.get(reverse("archive:export_detail", args=[export.pk]))
    assert response.status_code == 200
    response = client.get(reverse("archive:export_download", args=[export.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == path.read_bytes()

    # Delivered twice: the task leaves a finished export alone.
    from archive.tasks import export_run_task

    assert export_run_task.delay(export.pk).get() == ExportStatus.DONE


def test_failed_export_is_recorded(registrar, make_record, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path)
    make_record()
    export = services.export_create(actor=registrar, selection=services.Selection())

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(services, "write_sip", broken)
    export = services.export_run(export_id=export.pk)
    assert export.status == ExportStatus.FAILED and "disk full" in export.error


def test_an_export_the_broker_never_got_is_queued_again(
    registrar, make_record, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    make_record()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        export = services.export_create(actor=registrar, selection=services.Selection())
    assert len(callbacks) == 1  # the queueing, not run: as if the broker were down
    created = Export.objects.get().created_at

    assert services.exports_requeue(now=created + datetime.timedelta(minutes=9)) == 0
    assert Export.objects.get().status == ExportStatus.QUEUED
    # Ten minutes on it is queued again, and the (eager) task builds it.
    assert services.exports_requeue(now=created + datetime.timedelta(minutes=11)) == 1
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE
    assert (Path(settings.MEDIA_ROOT) / export.file_path).is_file()


def test_an_export_whose_worker_was_lost_is_marked_failed(registrar, make_record):
    make_record()
    lost = services.export_create(actor=registrar, selection=services.Selection())
    running = services.export_create(actor=registrar, selection=services.Selection())
    now = timezone.now()
    Export.objects.filter(pk=lost.pk).update(
        status=ExportStatus.RUNNING, started_at=now - datetime.timedelta(minutes=71)
    )
    Export.objects.filter(pk=running.pk).update(
        status=ExportStatus.RUNNING, started_at=now - datetime.timedelta(minutes=30)
    )
    services.exports_requeue(now=now)
    lost.refresh_from_db()
    running.refresh_from_db()
    assert lost.status == ExportStatus.FAILED
    assert "avbröts" in lost.error
    assert running.status == ExportStatus.RUNNING


def test_the_export_sweep_is_on_the_beat_schedule():
    from smedje_social.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "archive.tasks.requeue_exports_task" in tasks
