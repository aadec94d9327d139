"""Seed the nine content rules of the guidelines (Riktlinjer för sociala medier,
"Innehåll i inlägg och kommentarer"). They are data: a municipality edits,
adds or deactivates rules in the admin; this only creates missing numbers.
Also gives the roles the permissions of the queue's new models."""

from django.db import migrations

from core.roles import sync_role_permissions

RULES = [
    (
        1,
        "Förtal, personliga angrepp eller förolämpningar",
        "Påståenden som utpekar någon som brottslig eller klandervärdig, angrepp på "
        "personer och kränkande tillmälen.",
    ),
    (
        2,
        "Hets mot folkgrupp, sexistiska yttranden eller andra trakasserier",
        "Hot mot eller missaktning för en folkgrupp, sexistiska yttranden och annat "
        "som trakasserar någon.",
    ),
    (
        3,
        "Olovliga våldsskildringar eller pornografi",
        "Skildringar av grovt våld och pornografiska bilder eller texter.",
    ),
    (
        4,
        "Uppmaningar till brott eller annan brottslig verksamhet",
        "Uppmaningar till brott, och inlägg som i sig är brottsliga.",
    ),
    (
        5,
        "Olovligt bruk av upphovsrättsligt skyddat material",
        "Texter, bilder, filmer eller musik som publiceras utan upphovspersonens tillstånd.",
    ),
    (
        6,
        "Svordomar eller obscena ord",
        "Svordomar, könsord och andra obscena uttryck.",
    ),
    (
        7,
        "Brott mot personuppgiftslagen/dataskyddsförordningen",
        "Personuppgifter om andra, till exempel personnummer, hälsouppgifter eller "
        "bilder på personer, som publiceras utan stöd i dataskyddsförordningen.",
    ),
    (
        8,
        "Sekretessuppgifter",
        "Uppgifter som omfattas av sekretess enligt offentlighets- och sekretesslagen.",
    ),
    (
        9,
        "Länkar till sidor som innehåller något av ovanstående",
        "Länkar till webbsidor med innehåll som bryter mot någon av punkterna ovan.",
    ),
]


def seed_rules(apps, schema_editor):
    ContentRule = apps.get_model("moderation", "ContentRule")
    for number, title, description in RULES:
        ContentRule.objects.get_or_create(
            number=number,
            defaults={"title": title, "description": description, "position": number},
        )


class Migration(migrations.Migration):
    dependencies = [("moderation", "0004_queue")]

    operations = [
        migrations.RunPython(seed_rules, migrations.RunPython.noop),
        migrations.RunPython(sync_role_permissions, migrations.RunPython.noop),
    ]
