from channels.models.applications import (
    ApplicationContact,
    ApplicationEvent,
    ApplicationStatus,
    ChannelApplication,
)
from channels.models.channels import (
    Channel,
    ChannelContact,
    ChannelEvent,
    ChannelStatus,
    ContactRole,
)
from channels.models.platforms import Platform, PlatformKind
from channels.models.political import PoliticalLink
from channels.models.register_state import RegisterState

__all__ = [
    "ApplicationContact",
    "ApplicationEvent",
    "ApplicationStatus",
    "Channel",
    "ChannelApplication",
    "ChannelContact",
    "ChannelEvent",
    "ChannelStatus",
    "ContactRole",
    "Platform",
    "PlatformKind",
    "PoliticalLink",
    "RegisterState",
]
