"""Validators shared by the apps' models."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_single_line(value: str) -> None:
    """Refuse a line break, tab or other control character in a name.

    A name is shown on one line: in the register, a page's title, a CSV row and
    the subject of an e-mail. A line break pasted from a document would break
    each of them differently.
    """
    if any(unicodedata.category(character) in ("Cc", "Zl", "Zp") for character in value):
        raise ValidationError(
            _("Write the name on one line, without line breaks or tabs."), code="single_line"
        )
