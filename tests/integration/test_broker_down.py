"""Redis down: webhooks are stored and answered, e-mail waits, and nothing is lost.

The broker is a redis-server of the test's own. While it is out, a signed Meta
webhook is stored raw and answered 200 at once, and the e-mails that an application,
handlers' actions and the reminder sweep cause cannot be queued: they are logged and
wait in the database. When Redis is back, a real worker runs the periodic sweeps, which
parse the waiting delivery into exactly one item and send each waiting e-mail once.

"Out" comes in three kinds, since each fails a publish differently: a server that is
stopped (the connection is refused), a blackhole (the port listens but its backlog is
full, so connecting hangs) and a silent server (it accepts and never answers). Without
the broker timeouts of the settings the last two hold the request for ever.
"""

import io
import json
import logging
import socket
import threading
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.utils import timezone

from channels.models import ApplicationEvent
from channels.tasks import renotify_events_task
from moderation import services
from moderation.models import (
    Delivery,
    DeliveryStatus,
    Item,
    ItemEvent,
    ItemKind,
    ItemReminder,
    Registration,
    RegistrationStatus,
    ReminderEmail,
)
from moderation.reminder_tasks import reminder_sweep_task
from moderation.tasks import requeue_pending_deliveries_task, resend_registrations_task
from tests.conftest import sent_messages
from tests.integration.conftest import wait_for
from tests.moderation.conftest import META_SECRET, payload_bytes, sign

pytestmark = [pytest.mark.redis, pytest.mark.celery, pytest.mark.django_db(transaction=True)]

COMMENT_ID = "712398456123987_1583920475830291"
# Not a speed limit: a webhook held by a broker that never answers does not return at all.
NO_HANG_SECONDS = 30


class Blackhole:
    """A port that listens with a full backlog: connecting to it never completes."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(0)
        self.port = self.server.getsockname()[1]
        self.fillers = []
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", self.port))
            self.fillers.append(filler)

    def close(self):
        for sock in [*self.fillers, self.server]:
            sock.close()


class Silent:
    """A server that accepts connections and never says a word."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(50)
        self.port = self.server.getsockname()[1]
        self.accepted = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        self.server.close()
        for conn in self.accepted:
            conn.close()


def post_webhook_in_thread(body: bytes):
    """POST the signed body from another thread; (response or None if it hung, error)."""
    outcome = {}

    def post():
        try:
            outcome["response"] = Client().post(
                "/webhooks/meta",
                data=body,
                content_type="application/json",
                HTTP_X_HUB_SIGNATURE_256=sign(body, META_SECRET),
            )
        except Exception as error:  # reported by the test
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=post, daemon=True)
    thread.start()
    thread.join(timeout=NO_HANG_SECONDS)
    return outcome.get("response"), outcome.get("error")


@pytest.mark.parametrize("outage", ["stopped", "blackhole", "silent"])
def test_a_webhook_is_stored_and_answered_while_the_broker_is_out(
    outage, postgres, redis_server, publish_to, page_channel, caplog
):
    if outage == "stopped":
        server = redis_server()
        server.stop()
        port, cleanup = server.port, lambda: None
    else:
        fake = Blackhole() if outage == "blackhole" else Silent()
        port, cleanup = fake.port, fake.close
    try:
        publish_to(f"redis://127.0.0.1:{port}/0")
        body = payload_bytes("fb_feed_comment_add.json")

        with caplog.at_level(logging.WARNING, logger="moderation.services.deliveries"):
            response, error = post_webhook_in_thread(body)
    finally:
        cleanup()

    assert error is None, error
    assert response is not None, f"the webhook did not answer within {NO_HANG_SECONDS} s"
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "received"}
    delivery = Delivery.objects.get()
    assert bytes(delivery.body) == body
    assert delivery.status == DeliveryStatus.PENDING
    assert not Item.objects.exists()
    assert f"Could not queue moderation.tasks.delivery_parse_task({delivery.pk}," in caplog.text


def test_nothing_is_lost_while_redis_is_down(
    postgres,
    redis_server,
    publish_to,
    start_celery_worker,
    tmp_path,
    page_channel,
    make_application,
    employee,
    manager,
    communicator,
    caplog,
):
    server = redis_server()
    server.stop()
    publish_to(server.url())
    body = payload_bytes("fb_feed_comment_add.json")

    # --- Redis is down ------------------------------------------------------------------
    with caplog.at_level(logging.WARNING):
        # The platform delivers, and (no answer in its eyes yet) delivers again.
        for _ in range(2):
            response, error = post_webhook_in_thread(body)
            assert error is None and response is not None
            assert response.status_code == 200
        # An employee applies for a channel: the unit's manager is to get an e-mail.
        application = make_application(address="https://www.facebook.com/fritidsgarden")
        # A handler forwards one item and registers another: both send e-mail.
        forwarded = services.item_register_manually(
            channel=page_channel,
            actor=employee,
            data={"kind": ItemKind.COMMENT, "text": "Vem ansvarar för skolskjutsen?"},
        )
        services.item_forward(
            item=forwarded,
            actor=employee,
            expected_version=forwarded.version,
            to_email="skolskjuts@example.se",
        )
        registered = services.item_register_manually(
            channel=page_channel,
            actor=employee,
            data={"kind": ItemKind.COMMENT, "text": "Gäller mitt bygglov, dnr 2024-17"},
        )
        services.item_register(
            item=registered,
            actor=employee,
            expected_version=registered.version,
            description="Bygglov 2024-17",
        )
        # A question that came a week ago: the reminder sweep (as `send_reminders` runs it)
        # claims its steps and creates the e-mails, which cannot be queued.
        with time_machine.travel(timezone.now() - timedelta(days=7), tick=False):
            overdue = services.item_register_manually(
                channel=page_channel,
                actor=employee,
                data={"kind": ItemKind.COMMENT, "text": "Svarar ni?", "expects_answer": True},
            )
        call_command("send_reminders", stdout=io.StringIO())

    assert Delivery.objects.get().status == DeliveryStatus.PENDING
    assert not Item.objects.filter(external_id=COMMENT_ID).exists()
    submitted = application.events.get(kind=ApplicationEvent.Kind.SUBMITTED)
    assert submitted.notified_at is None
    event = ItemEvent.objects.get(item=forwarded, kind=ItemEvent.Kind.FORWARDED)
    assert event.notified_at is None
    registration = Registration.objects.get(item=registered)
    assert registration.status == RegistrationStatus.PENDING
    assert ReminderEmail.objects.count() == 2  # the handler's reminder, the escalation
    assert not ReminderEmail.objects.filter(sending_started_at__isnull=False).exists()
    for task in (
        "delivery_parse_task",
        "item_event_notify_task",
        "registration_send_task",
    ):
        assert f"Could not queue moderation.tasks.{task}(" in caplog.text
    assert "Could not queue moderation.reminder_tasks.reminder_email_batch_task(" in caplog.text
    assert "application_event_notify_task" in caplog.text

    # The outage lasted long enough for every sweep to take the waiting work up again.
    later = timedelta(minutes=settings.REMINDER_RETRY_AFTER_MINUTES + 5)
    Delivery.objects.update(received_at=timezone.now() - later)
    ItemEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - later)
    Registration.objects.update(requested_at=timezone.now() - later)
    ReminderEmail.objects.update(created_at=timezone.now() - later)
    ApplicationEvent.objects.filter(pk=submitted.pk).update(created_at=timezone.now() - later)

    # --- Redis is back: the worker runs the periodic sweeps -------------------------------
    server.start()
    mail_dir = tmp_path / "mail"
    worker = start_celery_worker(
        broker=server.url(),
        extra_env={
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
            "EMAIL_URL": f"filemail:///{mail_dir}",
        },
    )
    requeue_pending_deliveries_task.delay()
    resend_registrations_task.delay()
    reminder_sweep_task.delay()
    renotify_events_task.delay()

    wait_for(
        lambda: (
            Delivery.objects.get().status == DeliveryStatus.PARSED
            and Registration.objects.get().status == RegistrationStatus.SENT
            and ItemEvent.objects.get(pk=event.pk).notified_at is not None
            and ReminderEmail.objects.filter(sent_at__isnull=False).count() == 2
            and ApplicationEvent.objects.get(pk=submitted.pk).notified_at is not None
        ),
        seconds=90,
        what="Parsing the waiting delivery and sending the waiting e-mails",
        log=worker.log,
    )
    # Every sweep once more: nothing is queued or sent twice.
    requeue_pending_deliveries_task.delay()
    resend_registrations_task.delay()
    reminder_sweep_task.delay()
    renotify_events_task.delay()
    wait_for(
        lambda: worker.log().count("reminder_sweep_task") >= 4,  # received + succeeded, twice
        seconds=60,
        what="The second round of sweeps",
        log=worker.log,
    )
    for sweep in ("resend_registrations_task", "renotify_events_task"):
        wait_for(
            lambda sweep=sweep: worker.log().count(sweep) >= 4,
            seconds=60,
            what=f"The second {sweep}",
            log=worker.log,
        )

    assert Item.objects.filter(external_id=COMMENT_ID).count() == 1
    assert Delivery.objects.count() == 1
    assert sorted(ItemReminder.objects.filter(item=overdue).values_list("step", flat=True)) == [
        "due",
        "escalation",
    ]
    recipients = sorted(message["To"] for message in sent_messages(mail_dir))
    assert recipients == sorted(
        [
            "skolskjuts@example.se",
            settings.REGISTRY_MAILBOX,
            employee.email,
            communicator.email,
            manager.email,
        ]
    )
