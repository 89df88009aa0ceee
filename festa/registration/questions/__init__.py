"""Registration questions: what organizers ask at sign-up, and the attendees' answers."""
