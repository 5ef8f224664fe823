"""PeerPulse: a peer-support program companion for Slack."""

__version__ = "0.2.0"
