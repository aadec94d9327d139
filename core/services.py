"""Writes of the core app: heartbeat and loading units from CSV."""

import csv
import io
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.models import Heartbeat, Unit
from core.validators import validate_single_line

HEARTBEAT_NAME = "scheduler"


def heartbeat_record(*, name: str = HEARTBEAT_NAME):
    """Record that the scheduler fired now; returns the time recorded."""
    now = timezone.now()
    Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": now})
    return now


@dataclass
class UnitImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass
class _UnitRow:
    line: int
    name: str
    parent: str
    manager_emails: list[str]


UNIT_CSV_COLUMNS = ("name", "parent", "managers")


def units_import_csv(*, text: str) -> UnitImportResult:
    """Load units from CSV text with the columns name, parent, managers.

    `parent` names another unit (in the file or already stored); `managers`
    holds e-mail addresses of existing users separated by `;`. The file is
    checked whole first: if any row is wrong, nothing is loaded and every
    error is reported with its line number. Existing units (by name) are
    updated, so loading the same file twice changes nothing.
    """
    result = UnitImportResult()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [column for column in UNIT_CSV_COLUMNS if column not in header]
    if missing:
        result.errors.append(
            _("Line 1: the header must name the columns %(columns)s; missing: %(missing)s")
            % {"columns": ", ".join(UNIT_CSV_COLUMNS), "missing": ", ".join(missing)}
        )
        return result
    reader.fieldnames = header

    rows, names = [], {}
    for row in reader:
        line = reader.line_num
        name = (row.get("name") or "").strip()
        parent = (row.get("parent") or "").strip()
        managers = [e.strip() for e in (row.get("managers") or "").split(";") if e.strip()]
        if not name:
            result.errors.append(_("Line %(line)d: the unit has no name.") % {"line": line})
            continue
        try:
            validate_single_line(name)
        except ValidationError:
            result.errors.append(
                _("Line %(line)d: the unit's name has a line break or tab.") % {"line": line}
            )
            continue
        if name.lower() in names:
            result.errors.append(
                _("Line %(line)d: the unit “%(name)s” is already on line %(first)d.")
                % {"line": line, "name": name, "first": names[name.lower()]}
            )
            continue
        if parent and parent.lower() == name.lower():
            result.errors.append(
                _("Line %(line)d: a unit cannot be its own parent.") % {"line": line}
            )
            continue
        names[name.lower()] = line
        rows.append(_UnitRow(line, name, parent, managers))

    stored = {unit.name.lower(): unit for unit in Unit.objects.all()}
    User = get_user_model()
    users = {}
    for email in {e.lower() for row in rows for e in row.manager_emails}:
        matches = list(User.objects.filter(email__iexact=email, is_active=True))
        if len(matches) == 1:
            users[email] = matches[0]
    for row in rows:
        if row.parent and row.parent.lower() not in names and row.parent.lower() not in stored:
            result.errors.append(
                _("Line %(line)d: the parent unit “%(parent)s” does not exist.")
                % {"line": row.line, "parent": row.parent}
            )
        for email in row.manager_emails:
            if email.lower() not in users:
                result.errors.append(
                    _("Line %(line)d: no single active user has the e-mail address %(email)s.")
                    % {"line": row.line, "email": email}
                )
    cycle = _first_cycle(rows, stored)
    if cycle:
        result.errors.append(_("Line %(line)d: the parents form a cycle.") % {"line": cycle.line})
    if result.errors:
        return result

    with transaction.atomic():
        units = dict(stored)
        for row in rows:
            unit = units.get(row.name.lower())
            if unit is None:
                unit = Unit(name=row.name, slug=_unique_slug(row.name))
                unit.full_clean()
                unit.save()
                units[row.name.lower()] = unit
                result.created.append(row.name)
            else:
                result.updated.append(row.name)
        for row in rows:
            unit = units[row.name.lower()]
            unit.parent = units[row.parent.lower()] if row.parent else None
            unit.save(update_fields=["parent"])
            unit.managers.set([users[e.lower()] for e in row.manager_emails])
    return result


def _first_cycle(rows, stored):
    parent_of = {
        name: (unit.parent.name.lower() if unit.parent else "") for name, unit in stored.items()
    }
    parent_of.update({row.name.lower(): row.parent.lower() for row in rows})
    for row in rows:
        seen, current = set(), row.name.lower()
        while current:
            if current in seen:
                return row
            seen.add(current)
            current = parent_of.get(current, "")
    return None


def _unique_slug(name: str) -> str:
    base = slugify(name) or "enhet"
    slug, n = base, 2
    while Unit.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
