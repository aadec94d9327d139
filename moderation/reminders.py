"""Response-time reminders and escalation: the clock, the sweep, and the e-mail.

The clock
---------

An item that expects an answer gets, when it arrives (`response_clock_start`, called by
`item_capture`), a due time: its channel's response target in working time after
`received_at` (moderation.workinghours_settings). Three steps follow it:

============  ===================================================  =============================
step          when                                                 to whom
============  ===================================================  =============================
before        REMINDER_BEFORE_TARGET_FRACTION (3/4) of the target  the channel's handlers
due           at the due time                                      the handlers, and the
                                                                   substitute of any absent one
escalation    ESCALATION_AFTER_WORKING_HOURS past the due time     the communicators
============  ===================================================  =============================

The clock runs while the item's state is ``open`` and it has never been handled. Every
action of the queue moves the item to another state (answered, forwarded, no answer
needed, referred, unpublished, deleted) and records an `ItemEvent` of that kind, so
answering, forwarding, removing or marking it as needing no answer stops the clock;
forwarded items stay in the queue's open list (`OPEN_STATES`) but are not reminded about.
The clock stops for good at the first such action: an item that comes back to ``open``
(edited on the platform after it was handled, or published again) is in the queue again
but is neither reminded about nor counted as overdue (`clock_running`), because its
answer came in time or the lateness was already reported.

The sweep
---------

`reminders_sweep` runs every REMINDER_SWEEP_INTERVAL seconds (beat) and from
``manage.py send_reminders``. It reads only what is due: each item carries its next step
and that step's moment (`next_reminder_step`, `next_reminder_at`), and a partial index
holds exactly the open items that have one. A batch is

1. the first BATCH_SIZE open items with ``next_reminder_at <= now`` and NOT EXISTS a
   reminder row for that step (rows locked, SKIP LOCKED where the database has it);
2. for each, every step whose moment has come is *claimed* by inserting an
   `ItemReminder` row (unique per item and step; a conflict means another sweep has it),
   and the item moves on to its next step or to none. A "before" that is overtaken by
   "due" in the same sweep (the sweep ran late) is skipped: the handlers get the later one.

One transaction per batch, at most MAX_BATCHES batches per run (the rest waits for the
next run); a batch shorter than BATCH_SIZE took all that was due and ends the claiming.
So the work and the number of queries grow with the items that are due and never with
those that are not.

Then the run's claimed reminders are grouped per person (`reminders_dispatch`): one
`ReminderEmail` per recipient lists all their items of the run, and after commit one task
per EMAIL_BATCH_SIZE e-mails sends them (`reminder_emails_queue`): each message to the
broker is a round trip of a few milliseconds on a loaded machine, which with one task per
e-mail was most of a large sweep (BENCHMARKS.md, 5.). The batch is only how the work is
carried: each e-mail of it is taken, sent and recorded on its own
(`reminder_emails_send`), exactly as a task of its own would do it.

Never twice
-----------

* Two sweeps (two beat processes, the command next to beat) cannot both claim a step:
  the unique row decides; the loser sends nothing for it.
* A sweep that dies after claiming leaves rows without e-mail (`dispatched_at` null);
  the next sweep dispatches rows older than REMINDER_RETRY_AFTER_MINUTES.
* The e-mail task takes each `ReminderEmail` with one conditional UPDATE
  (``sending_started_at`` null → now) that is committed before it talks to the mail
  server; a task delivered twice, or queued again by a sweep, finds it taken and does
  nothing. A send that fails with an error releases that e-mail only: the batch goes on
  with the others, and the task retries the e-mails the mail server refused with a
  countdown (reminder_tasks.EMAIL_MAX_RETRIES); an e-mail queued but never started (a
  lost task, a broker that was down) is queued again by a later sweep, up to
  EMAIL_MAX_ATTEMPTS attempts in all.

Exactly once is not possible between a mail server and a database: the moment the server
accepts the message and the moment we record it are two commits. We choose *at most once*
for that gap: an e-mail whose sending started and never finished (the worker died in the
middle of talking to the server) is not sent again, because it may well have gone out;
every later sweep logs it as uncertain, and its row keeps ``sent_at`` empty. Every other
failure is retried. The handler dashboard shows every item's time left regardless,
so a lost reminder never hides an overdue item.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from channels.models import Channel
from core import roles
from core.queueing import delay_or_log
from moderation.models import (
    Item,
    ItemEvent,
    ItemReminder,
    ItemState,
    ReminderEmail,
    ReminderStep,
)
from moderation.workinghours import WorkingCalendar
from moderation.workinghours_settings import (
    calendar,
    due_at_for,
    escalation_delay,
    reminder_fraction,
)

logger = logging.getLogger(__name__)

# Items claimed per transaction, and batches per run: a run after a long outage claims at
# most BATCH_SIZE * MAX_BATCHES reminders and leaves the rest to the next run.
BATCH_SIZE = 500
MAX_BATCHES = 20
# Items given a due time per transaction by the catch-up step (see `clocks_catch_up`).
CATCH_UP_BATCH_SIZE = 500
# Stale rows taken up again per run.
RECOVERY_LIMIT = 5000
# Attempts at one e-mail in all (task retries and sweeps together).
EMAIL_MAX_ATTEMPTS = 5
# E-mails per sending task: one broker message carries this many e-mail ids.
EMAIL_BATCH_SIZE = 50

STEPS = (ReminderStep.BEFORE, ReminderStep.DUE, ReminderStep.ESCALATION)

# The clock runs in this state only, until the first handling (see the module docstring).
CLOCK_RUNNING = ItemState.OPEN
CLOCK_STOPPING_EVENTS = (
    ItemEvent.Kind.ANSWERED,
    ItemEvent.Kind.FORWARDED,
    ItemEvent.Kind.NO_ANSWER,
    ItemEvent.Kind.REFERRED,
    ItemEvent.Kind.UNPUBLISHED,
    ItemEvent.Kind.DELETED,
)


def _handled():
    return Exists(ItemEvent.objects.filter(item=OuterRef("pk"), kind__in=CLOCK_STOPPING_EVENTS))


def clock_running() -> Q:
    """Items whose response clock runs: open and never handled. Use in `filter()`."""
    return Q(state=CLOCK_RUNNING) & ~_handled()


def overdue_items(now: datetime | None = None):
    """Items whose clock runs and whose due time has passed."""
    return Item.objects.filter(clock_running(), due_at__lt=now or timezone.now())


def retry_after() -> timedelta:
    return timedelta(minutes=settings.REMINDER_RETRY_AFTER_MINUTES)


# --- The clock --------------------------------------------------------------------------


def step_times(item: Item, cal: WorkingCalendar) -> dict[str, datetime]:
    """When each step of the item's clock falls, from its receipt and due time."""
    target = cal.working_time_between(item.received_at, item.due_at)
    return {
        ReminderStep.BEFORE: cal.add_working_time(item.received_at, target * reminder_fraction()),
        ReminderStep.DUE: item.due_at,
        ReminderStep.ESCALATION: cal.add_working_time(item.due_at, escalation_delay(cal)),
    }


def _next_step(times: dict[str, datetime], after: datetime, start: int = 0):
    """The first step from `start` whose moment is later than `after`: (step, moment)."""
    for step in STEPS[start:]:
        if times[step] > after:
            return step, times[step]
    return "", None


def response_clock_start(item: Item, cal: WorkingCalendar | None = None) -> None:
    """Give an item that expects an answer its due time and first step (not saved here).

    Called for a new item before it is saved, so it costs no query. The clock is
    a function of the channel and the time of receipt alone.
    """
    if not item.expects_answer or item.due_at is not None:
        return
    cal = cal or calendar()
    item.due_at = due_at_for(item.channel, item.received_at, cal)
    item.next_reminder_step, item.next_reminder_at = _next_step(
        step_times(item, cal), item.received_at
    )


def clocks_catch_up(*, cal: WorkingCalendar | None = None) -> int:
    """Start the clock of open items that expect an answer but have no due time.

    Items that arrived before this feature, and remarks that an edit on the platform
    turned into questions (item_capture sets `expects_answer` on the existing item),
    get their due time here, counted from when they were received. Read through the
    (state, due_at) index, batched; normally it finds nothing.
    """
    cal = cal or calendar()
    total = 0
    while True:
        with transaction.atomic():
            items = list(
                Item.objects.filter(clock_running(), expects_answer=True, due_at__isnull=True)
                .select_related("channel")
                .order_by("pk")[:CATCH_UP_BATCH_SIZE]
            )
            for item in items:
                response_clock_start(item, cal)
            Item.objects.bulk_update(items, ["due_at", "next_reminder_step", "next_reminder_at"])
        total += len(items)
        if len(items) < CATCH_UP_BATCH_SIZE:
            return total


# --- The sweep --------------------------------------------------------------------------


@dataclass
class SweepResult:
    run: uuid.UUID
    clocks_started: int = 0
    claimed: Counter = field(default_factory=Counter)
    emails: int = 0
    requeued: int = 0

    def __str__(self):
        steps = ", ".join(f"{step}: {self.claimed[step]}" for step in STEPS)
        return (
            f"run {self.run}: clocks started {self.clocks_started}; claimed {steps}; "
            f"e-mails {self.emails}; e-mails queued again {self.requeued}"
        )


def due_items(now: datetime):
    """Open items whose next step has come and is not claimed yet (the sweep's read).

    `handled` marks items back in the queue after a handling: their clock has stopped.
    """
    claimed = ItemReminder.objects.filter(item=OuterRef("pk"), step=OuterRef("next_reminder_step"))
    return (
        Item.objects.filter(state=CLOCK_RUNNING, next_reminder_at__lte=now)
        .exclude(Exists(claimed))
        .annotate(handled=_handled())
        .order_by("next_reminder_at", "pk")
    )


def _save_next_steps(items: list[Item]) -> None:
    """Write each item's next step and moment in one statement.

    On PostgreSQL an UPDATE ... FROM (VALUES ...): `bulk_update` builds a CASE
    expression per row in Python, which cost more than the rest of the batch
    (BENCHMARKS.md, 5.). Elsewhere `bulk_update`.
    """
    if connection.vendor != "postgresql":
        Item.objects.bulk_update(items, ["next_reminder_step", "next_reminder_at"])
        return
    rows = ", ".join(["(%s, %s, %s::timestamptz)"] * len(items))
    params = [
        value
        for item in items
        for value in (item.pk, item.next_reminder_step, item.next_reminder_at)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Item._meta.db_table} AS item "  # noqa: S608 - the table name; values bound
            "SET next_reminder_step = v.step, next_reminder_at = v.at "
            f"FROM (VALUES {rows}) AS v(id, step, at) WHERE item.id = v.id",
            params,
        )


def _insert_claims(claims: list[tuple[int, str]], *, run: uuid.UUID, claimed_at) -> Counter:
    """Insert the (item id, step) rows this run claims; count, by step, those it inserted.

    A row another sweep inserted first is skipped (the unique constraint): that sweep
    sends it. On PostgreSQL one INSERT … ON CONFLICT DO NOTHING RETURNING, which builds
    no model instances and tells at once which rows are this run's; elsewhere
    `bulk_create` and a count of the run's rows.
    """
    if not claims:
        return Counter()
    if connection.vendor != "postgresql":
        ItemReminder.objects.bulk_create(
            [
                ItemReminder(item_id=item_id, step=step, run=run, claimed_at=claimed_at)
                for item_id, step in claims
            ],
            ignore_conflicts=True,
        )
        mine = ItemReminder.objects.filter(run=run, item_id__in={item_id for item_id, _ in claims})
        return Counter(mine.values_list("step", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ItemReminder._meta.db_table} (run, claimed_at, item_id, step) "  # noqa: S608 - the table name; values bound
            "SELECT %s::uuid, %s, claim.item_id, claim.step "
            "FROM unnest(%s::bigint[], %s::varchar[]) AS claim(item_id, step) "
            "ON CONFLICT DO NOTHING RETURNING step",
            [
                str(run),
                claimed_at,
                [item_id for item_id, _ in claims],
                [step for _, step in claims],
            ],
        )
        return Counter(step for (step,) in cursor.fetchall())


# What the claim reads of an item (`step_times`, `_save_next_steps`), not its content.
CLAIM_FIELDS = ("received_at", "due_at", "next_reminder_step", "next_reminder_at")


def _claim_batch(*, run: uuid.UUID, now: datetime, cal: WorkingCalendar) -> tuple[int, Counter]:
    """Claim the due steps of one batch of items: (items read, steps this run claimed)."""
    items = list(
        due_items(now)
        .only(*CLAIM_FIELDS)
        .select_for_update(skip_locked=True, of=("self",))[:BATCH_SIZE]
    )
    if not items:
        return 0, Counter()
    claims = []
    for item in items:
        if item.handled:
            item.next_reminder_step, item.next_reminder_at = "", None
            continue
        times = step_times(item, cal)
        start = STEPS.index(item.next_reminder_step) if item.next_reminder_step in STEPS else 0
        steps = [step for step in STEPS[start:] if times[step] <= now]
        if ReminderStep.BEFORE in steps and ReminderStep.DUE in steps:
            steps.remove(ReminderStep.BEFORE)
        claims += [(item.pk, step) for step in steps]
        item.next_reminder_step, item.next_reminder_at = _next_step(times, now, start)
    claimed = _insert_claims(claims, run=run, claimed_at=timezone.now())
    _save_next_steps(items)
    return len(items), claimed


def reminders_sweep(*, now: datetime | None = None) -> SweepResult:
    """One run: start missing clocks, claim what is due, create and queue the e-mail."""
    now = now or timezone.now()
    cal = calendar()
    result = SweepResult(run=uuid.uuid4())
    result.clocks_started = clocks_catch_up(cal=cal)
    for number in range(1, MAX_BATCHES + 1):
        with transaction.atomic():
            read, claimed = _claim_batch(run=result.run, now=now, cal=cal)
        result.claimed.update(claimed)
        if read:
            logger.info(
                "Reminder sweep %s: batch %d, claimed so far %s", result.run, number, result.claimed
            )
        # A short batch took every due item not locked by another sweep: none is left.
        if read < BATCH_SIZE:
            break
    result.emails = reminders_dispatch(run=result.run)
    result.requeued = reminder_emails_requeue()
    logger.info("Reminder sweep done: %s", result)
    return result


# --- Who gets what ----------------------------------------------------------------------


def handler_ids_by_channel(channel_ids) -> dict[int, list[int]]:
    """{channel id: its active handlers' ids}, one query."""
    through = Channel.handlers.through
    rows = (
        through.objects.filter(channel_id__in=channel_ids, user__is_active=True)
        .order_by("user_id")
        .values_list("channel_id", "user_id")
    )
    result = defaultdict(list)
    for channel_id, user_id in rows:
        result[channel_id].append(user_id)
    return result


def communicator_ids() -> list[int]:
    return list(
        get_user_model()
        .objects.filter(groups__name=roles.COMMUNICATOR, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def with_item_channel(reminders):
    """ItemReminders with `item_channel_id`, all that `reminder_recipients` reads of the item."""
    return reminders.annotate(item_channel_id=F("item__channel_id")).only("step")


def reminder_recipients(reminders, *, at: datetime | None = None) -> dict[int, list]:
    """{user id: [ItemReminder, …]} for reminders read through `with_item_channel`.

    A fixed number of queries: handlers of all channels at once, absences once (the
    substitute chains are followed in memory), communicators once.
    """
    from moderation.selectors import effective_handler_ids, substitute_map

    handlers = handler_ids_by_channel({r.item_channel_id for r in reminders})
    absences = substitute_map(at)
    communicators = None
    by_user = defaultdict(list)
    for reminder in reminders:
        own = handlers.get(reminder.item_channel_id, [])
        if reminder.step == ReminderStep.BEFORE:
            users = own
        elif reminder.step == ReminderStep.DUE:
            users = own + [u for u in effective_handler_ids(own, absences) if u not in own]
        else:
            if communicators is None:
                communicators = communicator_ids()
            users = communicators
        for user_id in users:
            by_user[user_id].append(reminder)
    return by_user


def _link_emails(through, row_field: str, links: list[tuple[int, int]]) -> None:
    """Insert the (e-mail id, claimed row id) pairs into the e-mails' many-to-many table.

    On PostgreSQL one INSERT from two arrays: a model instance per pair (thousands in a
    large sweep) cost more than the statement. Elsewhere `bulk_create`.
    """
    if not links:
        return
    if connection.vendor != "postgresql":
        through.objects.bulk_create(
            [through(reminderemail_id=email, **{row_field: row}) for email, row in links],
            batch_size=1000,
        )
        return
    email_column = through._meta.get_field("reminderemail").column
    row_column = through._meta.get_field(row_field).column
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {through._meta.db_table} ({email_column}, {row_column}) "  # noqa: S608 - table and columns from the model; values bound
            "SELECT * FROM unnest(%s::bigint[], %s::bigint[])",
            [[email for email, _ in links], [row for _, row in links]],
        )


def dispatch_claims(
    *,
    model,
    kind: str,
    run: uuid.UUID,
    related: str,
    recipients_of,
    parent: str = "",
    load=None,
) -> int:
    """Turn the run's claimed rows (and stale ones) into one e-mail per person; queue them.

    `related` is the ReminderEmail relation that lists the rows; `recipients_of(rows)`
    returns {user id: rows}. What it reads of a row's item or channel is loaded with the
    row: `parent` (select_related), or `load(queryset)` for a large sweep's thousands of
    rows, which reads only that.
    """
    stale = timezone.now() - retry_after()
    with transaction.atomic():
        pending = (
            model.objects.filter(dispatched_at__isnull=True)
            .filter(Q(run=run) | Q(claimed_at__lt=stale))
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")
        )
        pending = load(pending) if load else pending.select_related(parent)
        rows = list(pending[: BATCH_SIZE * MAX_BATCHES + RECOVERY_LIMIT])
        if not rows:
            return 0
        by_user = recipients_of(rows)
        users = (
            get_user_model()
            .objects.filter(pk__in=by_user, is_active=True)
            .exclude(email="")
            .values_list("pk", flat=True)
        )
        emails = ReminderEmail.objects.bulk_create(
            [ReminderEmail(kind=kind, recipient_id=pk, run=run) for pk in sorted(users)]
        )
        _link_emails(
            getattr(ReminderEmail, related).through,
            f"{model._meta.model_name}_id",
            [(email.pk, row.pk) for email in emails for row in by_user[email.recipient_id]],
        )
        model.objects.filter(pk__in=[row.pk for row in rows]).update(dispatched_at=timezone.now())
        ids = [email.pk for email in emails]
        transaction.on_commit(lambda: reminder_emails_queue(ids))
    return len(emails)


def reminders_dispatch(*, run: uuid.UUID) -> int:
    """One e-mail per person listing all their item reminders of the run."""
    return dispatch_claims(
        model=ItemReminder,
        kind=ReminderEmail.Kind.RESPONSE,
        run=run,
        related="item_reminders",
        load=with_item_channel,
        recipients_of=reminder_recipients,
    )


# --- Sending ----------------------------------------------------------------------------


def reminder_emails_queue(email_ids: list[int]) -> int:
    """Queue the sending of these e-mails, EMAIL_BATCH_SIZE to a task; the tasks queued.

    Call after commit. When the broker cannot be reached (logged by `delay_or_log`) the
    remaining batches are not tried, each would only wait for the same timeout:
    `reminder_emails_requeue` queues every e-mail left unqueued once the broker is back.
    """
    from moderation.reminder_tasks import reminder_email_batch_task

    queued = 0
    for start in range(0, len(email_ids), EMAIL_BATCH_SIZE):
        if not delay_or_log(reminder_email_batch_task, email_ids[start : start + EMAIL_BATCH_SIZE]):
            logger.warning(
                "%d reminder e-mails not queued; a later sweep queues them again",
                len(email_ids) - start,
            )
            break
        queued += 1
    return queued


@dataclass
class BatchResult:
    """What `reminder_emails_send` did with each e-mail of a batch."""

    sent: list[int] = field(default_factory=list)
    # Refused by the mail server or the network (OSError, smtplib's errors included): the
    # task tries these again after a countdown. `error` is the last such error.
    retry: list[int] = field(default_factory=list)
    error: Exception | None = None
    # Failed otherwise (logged): left to `reminder_emails_requeue`, as a failed task's were.
    failed: list[int] = field(default_factory=list)


def reminder_emails_send(*, email_ids: list[int]) -> BatchResult:
    """Send each e-mail of a batch on its own with `reminder_email_send`.

    One e-mail failing neither stops nor repeats the others: each is taken, sent and
    recorded by itself, and a failed one is released for a retry. When the task's time
    runs out (Celery's soft limit, raised inside the send), the e-mail being sent is
    released like any failure and the ones not started yet are retried with it.
    """
    from celery.exceptions import SoftTimeLimitExceeded

    result = BatchResult()
    for index, email_id in enumerate(email_ids):
        try:
            if reminder_email_send(email_id=email_id):
                result.sent.append(email_id)
        except SoftTimeLimitExceeded as error:
            result.retry += email_ids[index:]
            result.error = error
            break
        except OSError as error:
            result.retry.append(email_id)
            result.error = error
        except Exception:
            logger.exception("Reminder e-mail %s failed; a later sweep queues it again", email_id)
            result.failed.append(email_id)
    return result


def reminder_email_send(*, email_id: int) -> bool:
    """Send one reminder e-mail unless it was sent, is being sent, or ran out of attempts.

    Must run outside a transaction: taking the e-mail is committed before the mail
    server is contacted (see "Never twice" above). True when this call sent it.
    """
    from moderation.reminder_emails import build_message

    taken = ReminderEmail.objects.filter(
        pk=email_id,
        sent_at__isnull=True,
        sending_started_at__isnull=True,
        attempts__lt=EMAIL_MAX_ATTEMPTS,
    ).update(sending_started_at=timezone.now(), attempts=F("attempts") + 1)
    if not taken:
        return False
    email = ReminderEmail.objects.select_related("recipient").get(pk=email_id)
    try:
        message = build_message(email)
        if message is not None:
            message.send()
    except Exception as error:
        # Known not to have gone out: release it for the retry.
        ReminderEmail.objects.filter(pk=email_id).update(
            sending_started_at=None, last_error=repr(error)[:2000]
        )
        raise
    ReminderEmail.objects.filter(pk=email_id).update(sent_at=timezone.now(), last_error="")
    return message is not None


def reminder_emails_requeue() -> int:
    """Queue again e-mails that were created but never taken by a task (a lost task).

    E-mails taken but never finished are left alone (at most once) and logged.
    """
    stale = timezone.now() - retry_after()
    unsent = ReminderEmail.objects.filter(sent_at__isnull=True, created_at__lt=stale)
    ids = list(
        unsent.filter(sending_started_at__isnull=True, attempts__lt=EMAIL_MAX_ATTEMPTS)
        .order_by("pk")
        .values_list("pk", flat=True)[:RECOVERY_LIMIT]
    )
    if ids:
        transaction.on_commit(lambda: reminder_emails_queue(ids))
    uncertain = unsent.filter(sending_started_at__lt=stale).count()
    if uncertain:
        logger.warning(
            "%d reminder e-mails started sending and never finished; not sent again", uncertain
        )
    return len(ids)
