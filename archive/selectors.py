"""Reads of the archive that several interfaces share: search, disposal, late requests."""

import dataclasses
import datetime

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from archive.models import (
    LegalHold,
    PublicRecordRequest,
    Record,
    RequestRecord,
    RequestStatus,
    RetentionRule,
)
from moderation.workinghours import WorkingCalendar


@dataclasses.dataclass(frozen=True)
class RecordFilters:
    """What the registrar searches by; every field optional."""

    text: str = ""
    channel: object = None
    unit: object = None
    record_type: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None
    sender: str = ""
    registration_number: str = ""


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def record_search(records, filters: RecordFilters):
    """`records` narrowed by the filters; dates are local days of archiving, inclusive."""
    records = records.search(filters.text)
    if filters.channel is not None:
        records = records.for_channel(filters.channel)
    if filters.unit is not None:
        records = records.for_unit(filters.unit)
    if filters.record_type:
        records = records.of_type(filters.record_type)
    if filters.since:
        records = records.filter(acted_at__gte=_start_of(filters.since))
    if filters.until:
        records = records.filter(acted_at__lt=_start_of(filters.until + datetime.timedelta(days=1)))
    if filters.sender:
        sender = filters.sender.strip()
        records = records.filter(Q(sender_name__icontains=sender) | Q(sender_id=sender))
    if filters.registration_number:
        records = records.with_registration_number(filters.registration_number)
    return records


def active_holds():
    return LegalHold.objects.filter(released_at__isnull=True)


def held_records():
    """Records under an active legal hold, their own or their channel's."""
    own = active_holds().filter(record=OuterRef("pk"))
    channel = active_holds().filter(channel=OuterRef("channel_id"))
    return Record.objects.filter(Exists(own) | Exists(channel))


def records_due(today: datetime.date | None = None, rules=None):
    """Records whose retention time has run out on `today` and that may go.

    Not held (record or channel), not attached to an open request. Records
    of a type without a rule, or with a keep-permanently rule, are never due.
    Returns (queryset, rules by record type).
    """
    today = today or timezone.localdate()
    if rules is None:
        rules = {rule.record_type: rule for rule in RetentionRule.objects.all()}
    condition = Q(pk__in=[])
    for rule in rules.values():
        due_before = rule.due_before(today)
        if due_before is None:
            continue
        if rule.counts_from_received:
            condition |= Q(record_type=rule.record_type, event_at__lt=due_before)
        else:
            condition |= Q(record_type=rule.record_type, acted_at__lt=due_before)
    own_hold = active_holds().filter(record=OuterRef("pk"))
    channel_hold = active_holds().filter(channel=OuterRef("channel_id"))
    open_request = RequestRecord.objects.filter(
        record=OuterRef("pk"), request__status=RequestStatus.OPEN
    )
    records = (
        Record.objects.annotate(event_at=Coalesce("received_at", "acted_at"))
        .filter(condition)
        .exclude(Exists(own_hold))
        .exclude(Exists(channel_hold))
        .exclude(Exists(open_request))
    )
    return records, rules


def working_calendar() -> WorkingCalendar:
    return WorkingCalendar(tz=settings.TIME_ZONE)


def request_due_at(request: PublicRecordRequest, calendar: WorkingCalendar | None = None):
    """When an answer to the request is due: ARCHIVE_REQUEST_WORKING_DAYS after receipt."""
    calendar = calendar or working_calendar()
    return calendar.add_working_time(
        request.received_at, calendar.working_days(settings.ARCHIVE_REQUEST_WORKING_DAYS)
    )


def request_is_late(request, now=None, calendar=None) -> bool:
    return request.is_open and (now or timezone.now()) > request_due_at(request, calendar)


def late_requests(requests=None, now=None):
    """Open requests past their due time, oldest first (computed in Python: working hours)."""
    now = now or timezone.now()
    calendar = working_calendar()
    requests = requests if requests is not None else PublicRecordRequest.objects.all()
    return [
        request
        for request in requests.open().order_by("received_at", "pk")
        if request_is_late(request, now, calendar)
    ]
