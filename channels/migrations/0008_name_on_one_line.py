import core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    """The name is validated to be on one line (core/validators.py); no change in the database."""

    dependencies = [
        ("channels", "0007_register_state"),
    ]

    operations = [
        migrations.AlterField(
            model_name="channel",
            name="display_name",
            field=models.CharField(
                max_length=200,
                validators=[core.validators.validate_single_line],
                verbose_name="name",
            ),
        ),
    ]
