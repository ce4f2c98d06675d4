"""Deadline calendars: the events and their iCalendar bytes (`ics`), and the CalDAV client above
them (`caldav`), which imports `ics` and never the other way round."""
