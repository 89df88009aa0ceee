"""What happened, told upward: a lower area sends, a higher one listens.

Areas call each other downward only (see the README's architecture section). When a
lower area must let a higher one know that something happened — a registration was made
or cancelled, someone was let in — it sends one of these blinker signals, and the higher
area (webhooks today) connects its receivers when the app is created (festa.blueprints).
The sender never names who listens.

Signals are sent inside the sender's transaction, before its commit: a receiver adds its
rows (e.g. outbox messages) to the same transaction, so they are committed with the
change or not at all. Receivers return the rows they added, so a sender that has to take
the change back within its transaction can take those back too (`send`).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from blinker import Namespace, Signal

festa_signals = Namespace()

# sender: the Event, just added (flushed). Check-in gives it its entrance.
event_created = festa_signals.signal("event-created")
# sender: the Event about to be deleted. A receiver that must refuse (people registered)
# raises FestaError; then nothing is deleted.
event_deleting = festa_signals.signal("event-deleting")

# sender: the Registration, just recorded (with its status and reservations). A new
# registration asks `listening(registration_created, event_id=…)` first (see below).
registration_created = festa_signals.signal("registration-created")
# sender: the Registration, just cancelled (or anonymised before its event).
registration_cancelled = festa_signals.signal("registration-cancelled")
# sender: the Registration whose personal data is being erased ("delete my data", retention),
# already blanked; every area scrubs the copies it keeps (scans, webhook payloads).
registration_erased = festa_signals.signal("registration-erased")
# sender: the scan that let someone in (`id`); keywords: ticket (`id`, `registration_id`),
# checkpoint (`id`, `event_id`). Sent after the scan was decided, in its transaction.
# A scan asks `listening(checkin_created, event_id=…)` first (see below).
checkin_created = festa_signals.signal("checkin-created")


def send(signal: Signal, sender: Any, **data: Any) -> list:
    """Send `signal` and return the rows the receivers added to the transaction."""
    return [row for _receiver, rows in signal.send(sender, **data) for row in rows or ()]


# A sender that can finish sooner when nobody would add rows to its transaction (a scan:
# then PostgreSQL commits it with its one statement) asks `listening` before it starts,
# and when the answer is no it sends nothing. A receiver connected with `listens` says,
# from the facts the sender gives, whether it would add rows; any other receiver would.
_LISTENS: dict[tuple[Signal, Callable], Callable[..., bool]] = {}


def connect(signal: Signal, receiver: Callable, *, listens: Callable[..., bool]) -> None:
    """Connect `receiver`, and `listens(**facts)`: whether it would add rows for them."""
    signal.connect(receiver)
    _LISTENS[(signal, receiver)] = listens


def listening(signal: Signal, **facts: Any) -> bool:
    """Whether any receiver of `signal` might add rows if it were sent with these facts."""
    for held in list(signal.receivers.values()):
        receiver = held() if isinstance(held, weakref.ref) else held
        if receiver is None:
            continue
        listens = _LISTENS.get((signal, receiver))
        if listens is None or listens(**facts):
            return True
    return False


# sender: the Session, just given a new time or room (festa.program.moves); keyword:
# changes ({field: [old, new]}). Registration mails the attendees who hold a seat.
session_moved = festa_signals.signal("session-moved")
