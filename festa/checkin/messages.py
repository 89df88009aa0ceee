"""What the scanner page says, translated on the server and handed to its JavaScript
(one catalog for both languages; the script itself holds no text)."""

from __future__ import annotations

from flask_babel import gettext as _


def result_messages() -> dict[str, dict[str, str]]:
    """Per scan result: a big title and the reason, for door staff to read at a glance."""
    return {
        "ok": {"title": _("Let in"), "reason": _("Valid ticket.")},
        "exit": {"title": _("Goodbye"), "reason": _("Exit recorded.")},
        "already_checked_in": {"title": _("Already checked in"),
                               "reason": _("This ticket was used before.")},
        "invalid": {"title": _("Not a valid ticket"),
                    "reason": _("The code is damaged, forged or not one of ours.")},
        "revoked": {"title": _("Ticket cancelled"),
                    "reason": _("This ticket was cancelled or revoked.")},
        "wrong_event": {"title": _("Wrong event"),
                        "reason": _("This ticket is for another event.")},
        "not_allowed": {"title": _("No reservation"),
                        "reason": _("This ticket has no reservation for this session.")},
        "room_full": {"title": _("Room full"),
                      "reason": _("The room is at capacity. Let someone out first.")},
        "error": {"title": _("Not checked"), "reason": _("The scan could not be decided.")},
    }


def scanner_messages() -> dict:
    """Every string the scanner's script shows. `{n}`, `{checkpoint}`, `{time}` are filled
    in by the script."""
    return {
        "results": result_messages(),
        "online": _("Online"),
        "offline": _("Offline: scans are kept on this device"),
        "pending": _("{n} scans waiting to sync"),
        "synced": _("All scans synced"),
        "previous": _("Used at {checkpoint}, {time}"),
        "inside": _("{n} inside"),
        "inside_of": _("{n} of {capacity} inside"),
        "camera_start": _("Start camera"),
        "camera_stop": _("Stop camera"),
        "camera_denied": _("The camera is not available. Use a hand-held scanner, type the "
                           "code or search by name."),
        "search_offline": _("Search needs a connection. Scan or type the code instead."),
        "search_none": _("Nobody found."),
        "check_in": _("Check in"),
        "inside_here": _("Inside"),
        "cancelled": _("Cancelled"),
        "undo_done": _("Check-in undone."),
        "undo_failed": _("Could not undo."),
        "nothing_to_undo": _("Nothing to undo."),
        "conflict": _("Synced: the server said “{server}” for a scan this device let in "
                      "offline."),
        "unknown_name": _("Name not known offline"),
        "decided_offline": _("Decided offline on this device; it syncs when the network is "
                             "back."),
        "unpaired": _("This device is not paired or its pairing was revoked."),
        "badge_printing": _("Printing the name badge…"),
        "badge_failed": _("The name badge could not be loaded. Try “Reprint badge”."),
        "mode_offline": _("offline"),
        "mode_online": _("online"),
        "status_pending": _("waiting to sync"),
        "status_synced": _("synced"),
        "status_conflict": _("conflict"),
        "status_undone": _("undone"),
    }
