"""Time as users read it: every instant is stored in UTC and shown in Beijing time (UTC+8), and a
day (a deadline) ends at midnight Beijing time."""

from __future__ import annotations

import datetime as dt

BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")


def aware(t: dt.datetime) -> dt.datetime:
    """An instant as stored: a time without a zone was written in UTC."""
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(t: dt.datetime, timespec: str = "auto") -> str:
    """A stored instant as ISO text in Beijing time ("2026-12-08T06:08:01+08:00"): what every JSON output
    gives, so a script reading it sees the same clock as the pages and tables."""
    return aware(t).astimezone(BEIJING).isoformat(timespec=timespec)


def local_text(t: dt.datetime) -> str:
    """A stored instant as Beijing time to the minute without its offset ("2026-12-08T02:29"): what rounds,
    核实事项 and dispositions have always given (their JSON keeps that form)."""
    return iso(t, "minutes")[:16]


def shown_text(text: str | None) -> str:
    """Such a text (`local_text`) as people read it: "2026-12-08 02:29"."""
    return str(text or "").replace("T", " ", 1)


def stamp() -> str:
    """Now as an ISO text in Beijing time with its offset ("2026-12-07T04:50:00+08:00"): when a report
    or a template was made."""
    return dt.datetime.now(BEIJING).replace(microsecond=0).isoformat()


def today() -> dt.date:
    """Today in Beijing (the server may run in UTC)."""
    return dt.datetime.now(BEIJING).date()


def day_end(day: dt.date) -> dt.datetime:
    """The instant a day ends in Beijing: what arrives before it is on time for that day."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=BEIJING)


def shown(value: dt.datetime | dt.date | str | None, seconds: bool = False) -> str:
    """An instant in Beijing time, "2026-12-06 20:07"; a date as it is; "" for nothing. An ISO text
    is read first (what the library's dicts carry); a text that is not one is shown unchanged."""
    if value is None or value == "":
        return ""
    t: object = value
    if isinstance(value, str):
        try:
            t = dt.datetime.fromisoformat(value) if ("T" in value or " " in value) else dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(t, dt.datetime):
        return aware(t).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    if isinstance(t, dt.date):
        return t.isoformat()
    return str(value)
