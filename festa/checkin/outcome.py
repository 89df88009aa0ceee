"""What a scan decision answers (shared by decide_scan and undo_scan)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ScanOutcome:
    """The answer to one scan; `response` is exactly what the API returns."""

    result: str
    response: dict = field(default_factory=dict)
    scan_id: int | None = None
    ticket_id: int | None = None
    replayed: bool = False
