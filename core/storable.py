"""Text that every database column can hold.

NUL cannot be stored by PostgreSQL in text or JSON, and a lone surrogate (which
JSON may escape as \\ud800) has no UTF-8 form. What the platforms send is kept
byte for byte where bytes are kept (a webhook delivery's body); in what is derived
from it (items, records, reasons) each such character becomes U+FFFD.
"""

import re

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def without_unstorable(value):
    """`value` with NUL characters and lone surrogates replaced by U+FFFD.

    Works on decoded values, keys included, never on JSON text: a replace there
    would also hit a text that contains a backslash and "u0000" itself.
    """
    if isinstance(value, str):
        return UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {without_unstorable(key): without_unstorable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(without_unstorable(item) for item in value)
    return value
