import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """Fewer, smaller indexes on items and versions, for a cheaper insert (BENCHMARKS.md, 2.).

    The channel's and the item's own indexes were covered by the (channel, ...) and
    (item, number) ones; the people's and the token's indexed a NULL for nearly every
    row and now index only the rows that name someone; the event key is unique through
    a constraint, without the LIKE index a unique field gets. Django re-creates each
    foreign key it alters, which checks it over the table once.
    """

    dependencies = [
        ("channels", "0007_register_state"),
        ("moderation", "0009_item_reminder_sweep_order"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="item",
            name="channel",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="items",
                to="channels.channel",
                verbose_name="channel",
            ),
        ),
        migrations.AlterField(
            model_name="item",
            name="claimed_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="held by",
            ),
        ),
        migrations.AlterField(
            model_name="item",
            name="forwarded_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="forwarded by",
            ),
        ),
        migrations.AlterField(
            model_name="item",
            name="handled_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="handled by",
            ),
        ),
        migrations.AlterField(
            model_name="item",
            name="registered_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="registered by",
            ),
        ),
        migrations.AlterField(
            model_name="item",
            name="removed_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="removed by",
            ),
        ),
        migrations.AlterField(
            model_name="itemversion",
            name="captured_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="registered by",
            ),
        ),
        migrations.AlterField(
            model_name="itemversion",
            name="event_key",
            field=models.CharField(blank=True, max_length=255, null=True, verbose_name="event key"),
        ),
        migrations.AlterField(
            model_name="itemversion",
            name="ingest_token",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="item_versions",
                to="moderation.ingesttoken",
                verbose_name="ingestion token",
            ),
        ),
        migrations.AlterField(
            model_name="itemversion",
            name="item",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="versions",
                to="moderation.item",
                verbose_name="item",
            ),
        ),
        migrations.AddIndex(
            model_name="item",
            index=models.Index(
                condition=models.Q(("registered_by__isnull", False)),
                fields=["registered_by"],
                name="item_registered_by",
            ),
        ),
        migrations.AddIndex(
            model_name="item",
            index=models.Index(
                condition=models.Q(("claimed_by__isnull", False)),
                fields=["claimed_by"],
                name="item_claimed_by",
            ),
        ),
        migrations.AddIndex(
            model_name="item",
            index=models.Index(
                condition=models.Q(("handled_by__isnull", False)),
                fields=["handled_by"],
                name="item_handled_by",
            ),
        ),
        migrations.AddIndex(
            model_name="item",
            index=models.Index(
                condition=models.Q(("forwarded_by__isnull", False)),
                fields=["forwarded_by"],
                name="item_forwarded_by",
            ),
        ),
        migrations.AddIndex(
            model_name="item",
            index=models.Index(
                condition=models.Q(("removed_by__isnull", False)),
                fields=["removed_by"],
                name="item_removed_by",
            ),
        ),
        migrations.AddIndex(
            model_name="itemversion",
            index=models.Index(
                condition=models.Q(("ingest_token__isnull", False)),
                fields=["ingest_token"],
                name="version_ingest_token",
            ),
        ),
        migrations.AddIndex(
            model_name="itemversion",
            index=models.Index(
                condition=models.Q(("captured_by__isnull", False)),
                fields=["captured_by"],
                name="version_captured_by",
            ),
        ),
        migrations.AddConstraint(
            model_name="itemversion",
            constraint=models.UniqueConstraint(
                fields=("event_key",), name="one_version_per_event_key"
            ),
        ),
    ]
