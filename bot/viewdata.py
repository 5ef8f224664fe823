"""View-models as plain JSON data: what the outbox stores, so any platform can render it at send time."""

from __future__ import annotations

import base64
import dataclasses
import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlmodel import SQLModel

# A tagged value is a JSON object whose one tag key starts with "$"; a data class carries its name.
TYPE = "$"


def to_data(value: Any) -> Any:
    """A value (data classes, rows, dates, bytes, tuples, mappings) as JSON-serialisable data."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if type(value).__module__ == "numpy":
        return to_data(value.item())  # a NumPy scalar from the statistics: its Python value
    if isinstance(value, float):
        # JSON (and PostgreSQL's json type) has no NaN or infinity.
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {TYPE: type(value).__name__, **fields}
    if isinstance(value, SQLModel):
        fields = {name: to_data(getattr(value, name)) for name in type(value).model_fields}
        return {TYPE: type(value).__name__, **fields}
    if isinstance(value, tuple):
        return {"$tuple": [to_data(v) for v in value]}
    if isinstance(value, Mapping):
        # Keys are names (themes, signals, ids); a "$" key would read as a tag, so it is wrapped.
        items = {str(k): to_data(v) for k, v in value.items()}
        return {"$map": items} if any(k.startswith("$") for k in items) else items
    if isinstance(value, list | set | frozenset):
        return [to_data(v) for v in value]
    raise TypeError(f"{type(value).__name__} is not view data")


def from_data(data: Any, types: Mapping[str, type[Any]]) -> Any:
    """The value `to_data` gave this data, building only the named types (nothing else is trusted)."""
    if isinstance(data, list):
        return [from_data(v, types) for v in data]
    if not isinstance(data, dict):
        return data
    if TYPE in data:
        name = str(data[TYPE])
        cls = types.get(name)
        if cls is None:
            raise ValueError(f"unknown view type {name!r}")
        return cls(**{k: from_data(v, types) for k, v in data.items() if k != TYPE})
    if len(data) == 1:
        ((tag, inner),) = data.items()
        if tag == "$datetime":
            return datetime.fromisoformat(str(inner))
        if tag == "$date":
            return date.fromisoformat(str(inner))
        if tag == "$bytes":
            return base64.b64decode(str(inner))
        if tag == "$float":
            return float(str(inner))
        if tag == "$tuple":
            return tuple(from_data(v, types) for v in inner)
        if tag == "$map":
            return {str(k): from_data(v, types) for k, v in inner.items()}
    return {str(k): from_data(v, types) for k, v in data.items()}


def type_table(*types: type[Any], also: Iterable[type[Any]] = ()) -> dict[str, type[Any]]:
    """The types a view may be built from, by name."""
    return {t.__name__: t for t in (*types, *also)}


def view_payload(view: Any) -> dict[str, Any]:
    """An outbox payload holding a view-model: its kind (a class attribute) and its data."""
    return {"kind": str(view.kind), "view": to_data(view)}
