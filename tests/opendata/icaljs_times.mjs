// Reads an iCalendar file on standard input with ical.js (the parser of many web calendars)
// and prints every VEVENT's UID with its start and end as UTC instants (JSON), using only
// the file's own VTIMEZONEs. All-day values are printed as dates. Used by
// tests/opendata/test_calendar_parsers.py.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const root = new ICAL.Component(ICAL.parse(readFileSync(0, "utf8")));
// Zones first: values are read lazily, and a TZID resolves through the registered zones.
for (const zone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(zone));
}

function instant(time) {
  if (time.isDate) return { date: time.toString() };
  if (time.zone === ICAL.Timezone.localTimezone) throw new Error(`no zone for ${time}`);
  return { utc: new Date(time.toUnixTime() * 1000).toISOString() };
}

const events = root.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  return { uid: event.uid, start: instant(event.startDate), end: instant(event.endDate) };
});
process.stdout.write(JSON.stringify(events));
