"""Demo data of the moderation queue for `seed_demo`, made through the services. Idempotent.

Keywords for a few content rules (a modest example list; administrators keep
the real one), reply templates, an item in every state, an item registered
as concerning an ongoing case, a question to the manager and a coming absence.
"""

from datetime import timedelta

from django.utils import timezone

from moderation import services
from moderation.models import (
    ContentRule,
    Item,
    ItemKind,
    ReplyPurpose,
    ReplyTemplate,
    RuleKeyword,
)

# (rule number, word or phrase): common Swedish words that suggest a break.
KEYWORDS = [
    (1, "idiot*"),
    (1, "pucko"),
    (1, "korkad*"),
    (1, "dum i huvudet"),
    (2, "blattar"),
    (2, "hora"),
    (4, "bränn ner"),
    (4, "spöa upp"),
    (6, "jävla"),
    (6, "fan"),
    (6, "helvete"),
    (7, "personnummer"),
]

TEMPLATES = [
    (
        "Demo: Tack för frågan",
        ReplyPurpose.ANSWER,
        "Hej! Tack för din fråga. Vi har skickat den vidare till rätt avdelning och "
        "återkommer så snart vi kan.",
    ),
    (
        "Demo: Öppettider",
        ReplyPurpose.ANSWER,
        "Hej! Våra öppettider finns alltid på kommunens webbplats. Välkommen!",
    ),
    (
        "Demo: Politisk debatt",
        ReplyPurpose.POLITICAL,
        "Tack för ditt inlägg. Politiska frågor och debatter hänvisar vi till de politiska "
        "partierna. Partierna i kommunfullmäktige hittar du på kommunens webbplats.",
    ),
    (
        "Demo: Borttaget inlägg",
        ReplyPurpose.REMOVAL,
        "Ditt inlägg har tagits bort eftersom det bröt mot kommunens regler för "
        "kommentarer. Reglerna finns på kommunens webbplats.",
    ),
]

# (external id, text): one item per state; the step puts it there.
ITEMS = [
    ("demo-queue-open-flagged", "Ni på kommunen är idioter som inte kan ploga en enda gata."),
    ("demo-queue-open-taken", "Varför är gatubelysningen på Storgatan släckt sedan i måndags?"),
    ("demo-queue-forwarded", "Vem ansvarar för snöröjningen på Bergsgatan? Ingen har plogat."),
    ("demo-queue-answered", "Hur länge är biblioteket öppet i jul?"),
    ("demo-queue-no-answer", "Håller helt med föregående talare om badhuset!"),
    ("demo-queue-referred", "Kommunstyrelsen borde avgå, de har förstört skolan totalt."),
    ("demo-queue-unpublished", "Jävla kommun, ni får aldrig något gjort!"),
    ("demo-queue-deleted", "Bränn ner stadshuset, det är det enda som hjälper."),
    ("demo-queue-case", "Angående mitt bygglov BN 2024/311: när fattas beslutet?"),
    ("demo-queue-advice", "Min granne skriver lögner om mig i era kommentarer."),
]


def _keywords(admin):
    rules = {rule.number: rule for rule in ContentRule.objects.all()}
    for number, phrase in KEYWORDS:
        rule = rules.get(number)
        if rule and not RuleKeyword.objects.filter(rule=rule, phrase=phrase).exists():
            services.rule_keyword_save(keyword=RuleKeyword(rule=rule, phrase=phrase), actor=admin)


def _templates(communicator):
    for position, (title, purpose, text) in enumerate(TEMPLATES):
        if not ReplyTemplate.objects.filter(title=title).exists():
            services.reply_template_create(
                actor=communicator,
                data={"title": title, "purpose": purpose, "text": text, "position": position},
            )


def _items(channel, handler, communicator, now):
    made = {}
    for n, (external_id, text) in enumerate(ITEMS):
        item = Item.objects.filter(channel=channel, external_id=external_id).first()
        if item is None:
            item = services.item_register_manually(
                channel=channel,
                actor=handler,
                data={
                    "kind": ItemKind.COMMENT,
                    "external_id": external_id,
                    "sender_name": ["Lisa Berg", "Olle Ek", "Maria Lind"][n % 3],
                    "text": text,
                    "platform_created_at": now - timedelta(hours=20 - n),
                    "expects_answer": True,
                },
            )
            made[external_id] = item
    if not made:
        return  # seeded before
    rules = {rule.number: rule for rule in ContentRule.objects.all()}

    def act(external_id, service, **kwargs):
        item = made.get(external_id)
        if item is not None:
            item.refresh_from_db()
            service(item=item, actor=handler, expected_version=item.version, **kwargs)

    act("demo-queue-open-taken", services.item_claim)
    act("demo-queue-forwarded", services.item_forward, to_email="gatukontoret@example.se")
    act(
        "demo-queue-answered",
        services.item_answer,
        text="Hej! Biblioteket har öppet 10–15 den 23 december och är stängt 24–26 december.",
    )
    act("demo-queue-no-answer", services.item_leave, note="En diskussion mellan invånare.")
    act("demo-queue-referred", services.item_refer, text=TEMPLATES[2][2])
    act(
        "demo-queue-unpublished",
        services.item_unpublish,
        rules=[rules[6]],
        message=TEMPLATES[3][2],
    )
    act(
        "demo-queue-deleted",
        services.item_delete,
        rules=[rules[4]],
        reported_to_police=True,
        note="Uppmaning till brott; polisanmäld.",
    )
    act("demo-queue-case", services.item_register, description="Fråga i bygglovsärende BN 2024/311")
    act(
        "demo-queue-advice",
        services.item_ask_advice,
        of="manager",
        question="Ska vi avpublicera det här, eller räcker det att svara sakligt?",
    )


def _absence(handler, communicator, now):
    if handler.absences.exists():
        return
    start = (now + timedelta(days=30)).replace(hour=8, minute=0, second=0, microsecond=0)
    services.absence_create(
        user=handler,
        actor=handler,
        starts_at=start,
        ends_at=start + timedelta(days=14),
        substitute=communicator,
        note="Semester",
    )


def seed(*, users, channel):
    """Queue demo data on `channel`, which the demo handler handles."""
    handler, communicator = users["handlaggare"], users["kommunikator"]
    now = timezone.now()
    _keywords(users["admin"])
    _templates(communicator)
    if channel is not None:
        _items(channel, handler, communicator, now)
    _absence(handler, communicator, now)
