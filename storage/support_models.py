"""Peer-support tables: sessions, training records, follow-ups (filled in by the peer-support work)."""

from __future__ import annotations
