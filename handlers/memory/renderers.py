"""The in-memory platform renders nothing: each message carries its view-model, with a plain fallback."""

from __future__ import annotations

from bot.delivery import Renderer
from bot.digest import DigestChart, DigestView
from bot.ports import OutgoingFile, OutgoingMessage
from bot.updates import UpdateMessage
from bot.views import View, read_view
from storage.models import OutboxMessage


def fallback_text(view: View) -> str:
    """A line of plain text naming what the view is."""
    if isinstance(view, DigestView):
        return f"PeerPulse weekly digest · {view.report.generated_at:%d %b %Y}"
    if isinstance(view, DigestChart):
        return view.caption
    if isinstance(view, UpdateMessage):
        return f"You said, we did: {view.text}"
    return view.kind.replace("_", " ")  # an announcement: a test reads its fields, not this line


async def render_view(row: OutboxMessage) -> OutgoingMessage | None:
    """The row's view-model as it is: a file for a chart, otherwise a message holding the view."""
    view = read_view(row.payload)
    if view is None:
        raise ValueError("the in-memory platform reads view-models only")
    if isinstance(view, DigestChart):
        file = OutgoingFile(filename=view.filename, title=view.title, content=view.png)
        return OutgoingMessage(text=view.caption, file=file, view=view)
    return OutgoingMessage(text=fallback_text(view), view=view)


def make_memory_renderers() -> dict[str, Renderer]:
    """Renderers for the outbox kinds that carry view-models."""
    return {"text": render_view, "file": render_view}
