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


@dataclass(frozen=True)
class Admitted:
    """Who was let in where, as `checkin_created` tells it: ids only, no ORM objects (the
    scan path never loads them). Sent as the sender (the scan: `id`), `ticket` (`id`,
    `registration_id`) and `checkpoint` (`id`, `event_id`)."""

    id: int
    registration_id: int | None = None
    event_id: int | None = None
