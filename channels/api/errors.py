"""One error shape for every API error, documented in the OpenAPI schema.

    {"error": "human-readable message", "field": "unit", "code": "invalid"}

`field` names the query parameter at fault, or is null when the error is not
about one parameter (not found, throttled, method not allowed). When several
parameters are wrong, the first is reported; fixing it reveals the next.
"""

from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def _first_error(detail, field=None):
    """The first (field, ErrorDetail) in a possibly nested DRF error detail."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = None if key == "non_field_errors" else key
            return _first_error(value, field or name)
    if isinstance(detail, list) and detail:
        return _first_error(detail[0], field)
    return field, detail


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data
    field, message = _first_error(detail)
    response.data = {
        "error": str(message),
        "field": field,
        "code": getattr(message, "code", None) or "error",
    }
    return response
