"""Webhooks: organizer-configured URLs that receive signed notifications, sent by the outbox."""
