from django.db import migrations, models


class Migration(migrations.Migration):
    """The sweep's index in the sweep's order (next_reminder_at, id): a batch reads its
    first BATCH_SIZE due items from the index instead of sorting every due item."""

    dependencies = [
        ("moderation", "0008_item_clock_missing_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="item",
            name="item_reminder_sweep",
        ),
        migrations.AddIndex(
            model_name="item",
            index=models.Index(
                condition=models.Q(("next_reminder_at__isnull", False), ("state", "open")),
                fields=["next_reminder_at", "id"],
                name="item_reminder_sweep_order",
            ),
        ),
    ]
