"""The audit record: every change by an organizer or a scanner goes through `record`.
It knows no area; the pages that read it are `festa.auditlog`."""
