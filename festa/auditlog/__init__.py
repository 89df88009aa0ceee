"""The audit-log pages: every staff change and every scan, filterable, for organizers and
admins. The record itself (`festa.audit`) is the lowest area; these pages read across areas
and so sit high, beside open data and webhooks."""
