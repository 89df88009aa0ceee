"""Open data: schedule feeds (frab JSON/XML, iCalendar), versions, import and export."""
