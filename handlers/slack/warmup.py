"""Work done while a person types, so their submission is answered quickly."""

from __future__ import annotations

import asyncio

from bot.privacy import prepare_names
from bot.services import Services


async def warm_member_names(services: Services) -> None:
    """Fetch the directory and index its names for scrubbing, off the event loop's back."""
    names = await services.support.member_names()
    # Indexing a large directory takes CPU time: a thread keeps other requests moving meanwhile.
    await asyncio.to_thread(prepare_names, names)
