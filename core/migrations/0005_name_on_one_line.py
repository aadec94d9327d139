import core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    """The name is validated to be on one line (core/validators.py); no change in the database."""

    dependencies = [
        ("core", "0004_updated_at"),
    ]

    operations = [
        migrations.AlterField(
            model_name="unit",
            name="name",
            field=models.CharField(
                max_length=200,
                unique=True,
                validators=[core.validators.validate_single_line],
                verbose_name="name",
            ),
        ),
    ]
