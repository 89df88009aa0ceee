"""Placeholder until the demo programme is written (same session)."""

DEMO_LOGINS = [
    ("admin", "admin@festa.demo", "festa-admin-2025"),
    ("organizer", "organizer@festa.demo", "festa-organizer-2025"),
    ("door", "door@festa.demo", "festa-door-2025"),
]


def load_demo() -> bool:
    return False
