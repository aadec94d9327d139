"""The administrators' side of the queue: content rules and keywords are edited in the
admin through the services (an audit row each); reply templates too; absences and
registrations are shown read-only."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from moderation import services
from moderation.models import AuditEvent, ContentRule, ReplyTemplate, RuleKeyword
from tests.factories import UserFactory
from tests.moderation.queue_fixtures import capture, item, rules

__all__ = ["capture", "item", "rules"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.admin = admin
    return client


def test_an_administrator_edits_a_rule_and_adds_a_keyword(admin_client, rules):
    rule = rules[6]
    response = admin_client.post(
        reverse("admin:moderation_contentrule_change", args=[rule.pk]),
        {
            "number": 6,
            "title": "Svordomar eller obscena ord",
            "description": "Även förkortningar.",
            "active": "on",
            "position": 6,
            "keywords-TOTAL_FORMS": 0,
            "keywords-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content
    assert ContentRule.objects.get(pk=rule.pk).description == "Även förkortningar."
    response = admin_client.post(
        reverse("admin:moderation_rulekeyword_add"),
        {"rule": rule.pk, "phrase": "Satan", "active": "on"},
    )
    assert response.status_code == 302
    assert RuleKeyword.objects.get().phrase == "satan"
    kinds = list(AuditEvent.objects.order_by("pk").values_list("kind", "actor"))
    assert kinds == [
        ("content_rule_changed", admin_client.admin.pk),
        ("keyword_created", admin_client.admin.pk),
    ]
    # A rule is deactivated, never deleted: removals cite it.
    assert admin_client.get(
        reverse("admin:moderation_contentrule_delete", args=[rule.pk])
    ).status_code in (302, 403)


def test_reply_templates_in_the_admin_go_through_the_service(admin_client):
    response = admin_client.post(
        reverse("admin:moderation_replytemplate_add"),
        {
            "title": "Hej",
            "purpose": "answer",
            "text": "Hej och tack!",
            "active": "on",
            "position": 0,
        },
    )
    assert response.status_code == 302
    template = ReplyTemplate.objects.get()
    assert template.created_by == admin_client.admin
    assert AuditEvent.objects.get().kind == "reply_template_created"


def test_the_queue_models_list_in_the_admin(admin_client, item, employee):
    services.item_register(item=item, actor=employee, expected_version=1, description="x")
    services.absence_create(
        user=employee,
        actor=employee,
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=2),
    )
    for name in ("contentrule", "rulekeyword", "replytemplate", "absence", "registration", "item"):
        assert admin_client.get(reverse(f"admin:moderation_{name}_changelist")).status_code == 200
