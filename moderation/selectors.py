"""Reads about who handles what, shared with the reminders (issue 8).

Substitutes: a handler who is absent at a moment is covered by the substitute
named in their absence; if that substitute is absent too, by theirs, and so
on. The chain ends at the first person who is not absent. A chain that runs
into a cycle, or into an absent person without a substitute, covers nobody
(None): the channel's items then show on the communicators' queue.

All absences covering a moment are read in one query and the chain is
followed in memory, so these functions cost a fixed number of queries.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Exists, IntegerField, Prefetch, Subquery, prefetch_related_objects
from django.utils import timezone

from moderation.models import OPEN_STATES, Absence, ContentRule, ItemState


def substitute_map(at=None) -> dict[int, int | None]:
    """{absent user id: substitute id or None} for every absence covering `at` (one query).

    Overlapping absences of one person are refused by the service; should
    any exist, the one that started last wins.
    """
    at = at or timezone.now()
    rows = (
        Absence.objects.covering(at)
        .order_by("user_id", "starts_at", "pk")
        .values_list("user_id", "substitute_id")
    )
    return dict(rows)


def resolve_substitute_id(user_id: int, absences: dict[int, int | None]) -> int | None:
    """The end of the chain starting at `user_id`, who is absent; None if nobody covers."""
    seen = {user_id}
    current = absences.get(user_id)
    while current is not None:
        if current in seen:
            return None  # a cycle: A → B → A
        if current not in absences:
            return current  # present: the end of the chain
        seen.add(current)
        current = absences[current]
    return None  # an absent person without a substitute


def is_absent(user, at=None) -> bool:
    """Whether an absence of `user` covers the moment `at` (default now)."""
    at = at or timezone.now()
    return Absence.objects.covering(at).filter(user_id=user.pk).exists()


def substitute_for(user, at=None):
    """Who covers `user` at `at`: the end of the substitute chain, or None.

    None also when `user` is not absent (nobody needs to cover them), so a
    caller that wants "whoever should get this" writes
    `substitute_for(u) if is_absent(u) else u`, or uses `effective_handlers`.
    """
    absences = substitute_map(at)
    if user.pk not in absences:
        return None
    end = resolve_substitute_id(user.pk, absences)
    if end is None:
        return None
    return get_user_model().objects.filter(pk=end, is_active=True).first()


def effective_handler_ids(handler_ids, absences: dict[int, int | None]) -> list[int]:
    """Handler ids with each absent one replaced by their substitute; deduplicated, in order."""
    result = []
    for handler_id in handler_ids:
        target = (
            resolve_substitute_id(handler_id, absences) if handler_id in absences else handler_id
        )
        if target is not None and target not in result:
            result.append(target)
    return result


def effective_handlers(channel, at=None) -> list:
    """The channel's active handlers, each absent one replaced by their substitute.

    Deduplicated; empty when every handler is away without a substitute.
    """
    absences = substitute_map(at)
    handler_ids = list(
        channel.handlers.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
    )
    ids = effective_handler_ids(handler_ids, absences)
    users = get_user_model().objects.filter(pk__in=ids, is_active=True).in_bulk()
    return [users[i] for i in ids if i in users]


def absent_user_ids_covered_by(user, at=None) -> set[int]:
    """The ids of the absent people whose chain ends at `user` now ("mina ersättarärenden")."""
    absences = substitute_map(at)
    return {
        absent_id for absent_id in absences if resolve_substitute_id(absent_id, absences) == user.pk
    }


def channel_ids_handled_by(user, at=None) -> set[int]:
    """The channels whose queue `user` works at `at`: their own, and those of the people
    whose substitute chain ends at them (two queries)."""
    from channels.models import Channel

    covered = absent_user_ids_covered_by(user, at)
    handlers = Channel.handlers.through.objects.filter(user_id__in={user.pk, *covered})
    return set(handlers.values_list("channel_id", flat=True).distinct())


def substitute_channel_ids(user, at=None) -> set[int]:
    """The channels of the absent handlers whose chain ends at `user` ("mina
    ersättarärenden"), whether or not `user` handles them too."""
    from channels.models import Channel

    covered = absent_user_ids_covered_by(user, at)
    if not covered:
        return set()
    through = Channel.handlers.through.objects.filter(user_id__in=covered)
    return set(through.values_list("channel_id", flat=True).distinct())


def unattended_channels(at=None):
    """Channels that are not closed and have nobody to work their queue at `at`.

    No handler at all, or every handler away with no substitute at the end of
    the chain. These show on the communicators' queue. Three queries.
    """
    from channels.models import Channel

    absences = substitute_map(at)
    uncovered = {uid for uid in absences if resolve_substitute_id(uid, absences) is None}
    live = Channel.objects.not_closed()
    candidates = set(live.filter(handlers__isnull=True).values_list("pk", flat=True))
    if uncovered:
        rows = Channel.handlers.through.objects.filter(
            channel__in=live.filter(handlers__in=uncovered)
        ).values_list("channel_id", "user_id")
        by_channel: dict[int, set[int]] = {}
        for channel_id, user_id in rows:
            by_channel.setdefault(channel_id, set()).add(user_id)
        candidates |= {cid for cid, users in by_channel.items() if users <= uncovered}
    return (
        live.filter(pk__in=candidates)
        .select_related("platform", "unit")
        .order_by("display_name", "pk")
    )


# --- The queue ------------------------------------------------------------------------------


def _queue_filtered(items, *, channel=None, kind="", state="open", q=""):
    """`items` narrowed by the queue's filters; nothing joined."""
    if channel is not None:
        items = items.filter(channel=channel)
    if kind:
        items = items.filter(kind=kind)
    if state == "open":
        items = items.filter(state__in=OPEN_STATES)
    elif state in ItemState.values:
        items = items.filter(state=state)
    return items.search(q)


def _joined(items):
    """What a row of the queue shows from other tables, joined in the same query: the
    channel and its platform, the holder and the registration."""
    return items.select_related("channel__platform", "claimed_by", "registration").defer(
        "attachments", "flagged_words"
    )


def _flagged_rules():
    """The rules a flagged row names, in their order (one query for a page's rows)."""
    return Prefetch("flagged_rules", queryset=ContentRule.objects.order_by("number"))


def queue_items(items, *, channel=None, kind="", state="open", q=""):
    """The queue's rows from `items` (already limited to what the user may see), filtered.

    Ordered flagged first, then oldest first, with what a row shows joined
    or prefetched, so that a page costs the same whatever the queue's size.
    A page of the queue page is read through `queue_pages`, which gives the
    same rows in the same order.
    """
    filtered = _queue_filtered(items, channel=channel, kind=kind, state=state, q=q)
    return _joined(filtered).prefetch_related(_flagged_rules()).queue_order()


class QueuePages:
    """The queue as the paginator reads it: its count, and one page at a time.

    A page's rows are read in one query that chooses the page's ids first,
    from the items alone (filters, order, offset and limit, in a subquery),
    and joins only those rows to what they show. Joining every item of the
    queue to its channel before taking 50 made PostgreSQL hash all 14,500
    channels for each page of a handler's 5,000 items (BENCHMARKS.md, 3.).
    The order ends in the id, so the rows and their order are exactly those
    of the same slice of `queue_items`. Only flagged rows show their rules,
    so a page without any costs no query for them.
    """

    ordered = True  # for the paginator, which warns about unordered lists

    def __init__(self, items):
        self._items = items.queue_order()

    def count(self) -> int:
        return self._items.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if not isinstance(key, slice):
            raise TypeError("The queue is read a page (a slice) at a time.")
        page_ids = self._items.values("pk")[key]
        rows = list(
            _joined(self._items.model._default_manager.filter(pk__in=page_ids)).queue_order()
        )
        prefetch_related_objects([row for row in rows if row.is_flagged], _flagged_rules())
        return rows


def queue_pages(items, *, channel=None, kind="", state="open", q="") -> QueuePages:
    """`queue_items` for the paginator: the same rows, a page read with one query."""
    return QueuePages(_queue_filtered(items, channel=channel, kind=kind, state=state, q=q))


class SubqueryCount(Subquery):
    """The number of rows of a subquery, as one scalar subquery."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _count)"
    output_field = IntegerField()


def open_item_counts(user, at=None) -> dict[str, int]:
    """The navigation's counts in ONE query: open items of the user's own queue and of the
    handlers they substitute for directly (a chain's farther links are counted in the
    lists themselves, which follow the whole chain).

    Communicators count every open item. `handles` and `covers` say whether
    the user handles a channel or substitutes for someone now (whether the
    queue links are shown at all).
    """
    from channels.models import Channel
    from core import roles
    from moderation.models import Item

    at = at or timezone.now()
    User = get_user_model()
    through = Channel.handlers.through.objects
    open_items = Item.objects.open().order_by().values("pk")
    own_channels = through.filter(user_id=user.pk).values("channel_id")
    covered_users = Absence.objects.covering(at).filter(substitute_id=user.pk).values("user_id")
    covered_channels = through.filter(user_id__in=covered_users).values("channel_id")
    if roles.is_communicator(user):
        own = open_items
    else:
        # One IN over a UNION, not an OR of two INs: PostgreSQL then looks up the few
        # channels' open items by index instead of filtering every open item in the
        # table (300 ms at a million items; BENCHMARKS.md, 3.).
        own = open_items.filter(channel_id__in=own_channels.union(covered_channels))
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            handles=Exists(own_channels),
            covers=Exists(covered_users),
            queue=SubqueryCount(own),
            substitute=SubqueryCount(open_items.filter(channel_id__in=covered_channels)),
        )
        .values("handles", "covers", "queue", "substitute")
        .first()
    )
    return row or {"handles": False, "covers": False, "queue": 0, "substitute": 0}


# --- The navigation -------------------------------------------------------------------------

# The session remembers, for this long, that a user neither handles a channel nor
# substitutes for anyone, so that their pages cost no query for the queue links.
NAV_SESSION_KEY = "moderation_nav"
NAV_RECHECK_SECONDS = 300
_NOTHING = {"handles": False, "covers": False, "queue": 0, "substitute": 0}


def _remember(session, counts, now) -> None:
    flags = {"handles": bool(counts["handles"]), "covers": bool(counts["covers"])}
    cached = session.get(NAV_SESSION_KEY) or {}
    if {k: cached.get(k) for k in flags} != flags or now - cached.get("at", 0) >= 60:
        session[NAV_SESSION_KEY] = {**flags, "at": now}


def queue_nav(request, user) -> dict:
    """The navigation's queue counts: one query for handlers, substitutes and communicators;
    none for others while the session's note that they are neither is fresh."""
    import time

    from core import roles

    now = time.time()
    session = getattr(request, "session", None)
    cached = session.get(NAV_SESSION_KEY) if session is not None else None
    if (
        cached
        and not cached.get("handles")
        and not cached.get("covers")
        and now - cached.get("at", 0) < NAV_RECHECK_SECONDS
        and not roles.is_communicator(user)
    ):
        return dict(_NOTHING)
    counts = open_item_counts(user)
    if session is not None:
        _remember(session, counts, now)
    return counts


def remember_queue_role_at_login(sender, request, user, **kwargs):
    """At login (a `user_logged_in` receiver): note in the session whether the user works a
    queue, so that a non-handler's pages need no query for the navigation."""
    import time

    if request is None or not hasattr(request, "session"):
        return
    _remember(request.session, open_item_counts(user), time.time())
