class ServiceError(Exception):
    """A write that a service refuses; the message is shown to the user as is."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class TransitionNotAllowed(ServiceError):
    """The object's current state does not allow the requested change."""


class StaleVersion(ServiceError):
    """The object changed since the user loaded it; nothing was changed."""


class NotPermitted(ServiceError):
    """The user may not make this change (for example decide their own application)."""
