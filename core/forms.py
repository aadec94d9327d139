from django import forms
from django.core.exceptions import ValidationError
from django.db import connection


def apply_validation_error(form, error: ValidationError):
    """Show a service's ValidationError on the form: next to its field where it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, refusing ids beyond the database's integer range as invalid.

    Django checks each id with an exact lookup, which treats an overflow as no match,
    but then fetches them with `__in`, which hands the number to the driver: SQLite
    raises OverflowError, a server error instead of a message next to the field.
    """

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        meta = self.queryset.model._meta
        model_field = meta.pk if key == "pk" else meta.get_field(key)
        bounds = connection.ops.integer_field_ranges.get(model_field.get_internal_type())
        if bounds and isinstance(value, list | tuple):
            low, high = bounds
            for pk in value:
                try:
                    number = int(str(pk))
                except ValueError:
                    continue  # not a number at all: Django's own check refuses it
                if not low <= number <= high:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super()._check_values(value)
