from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0007_item_event_kind_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="item",
            index=models.Index(
                condition=models.Q(
                    ("due_at__isnull", True), ("expects_answer", True), ("state", "open")
                ),
                fields=["id"],
                name="item_clock_missing",
            ),
        ),
    ]
