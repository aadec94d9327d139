from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle


class AnonymousThrottle(AnonRateThrottle):
    """DRF's per-address throttle, with the rate read when the request comes.

    DRF reads the rates once at import; reading them per request lets the
    setting (`API_THROTTLE_ANON`) and tests change them.
    """

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
