"""Turn what people type into the values we store, before any check runs.

One normaliser per field type. Each takes the raw cell value (as the reader gives it) and returns
`(value, problem)`: the value for the record, or a `Problem` naming the error code and what was
expected. Free text is stored as typed (only the blank space around it trimmed); the rules that do
change a value are these, each documented in docs/fields.md: an option is stored in its canonical
spelling, a code in upper case without spaces, a date as ISO text, a number as a number.
Comparisons (options, duplicates, unit names) use `clean_text`/`match_key`, never the stored text.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from ..chars import INVISIBLE, has_control

_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?|\s*月?)?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})?$")
_BLANK = " \t\r\n\u00a0\u3000\u200b\u200c\u200d\u2060\ufeff"
SERIAL_RANGE = (29221, 54789)  # Excel date serial numbers of 1980-01-01 .. 2049-12-31
# a date cell outside these years is a number typed into a date-formatted cell (2024 shows as 1905-07-16,
# 202403 as 2454-02-10): decades before any information system, or centuries after
PLAUSIBLE_YEARS = (1950, 2100)
_MULTI_SPLIT = re.compile(r"[、,，;；/|\n]+")
_AMOUNT_UNIT = re.compile(r"(万元|万)$")
_TRUE = {"是", "√", "✓", "✔", "Y", "YES", "T", "TRUE", "1", "对", "有"}
_FALSE = {"否", "×", "✗", "✘", "N", "NO", "F", "FALSE", "0", "无"}
MAX_EXACT_DIGITS = 15  # Excel keeps 15 significant digits in a number cell


class Problem(NamedTuple):
    code: str
    expected: str


Result = tuple[Any, Problem | None]


def clean_text(value: Any) -> str:
    """The form used to compare text: NFKC, invisible characters dropped, odd spaces folded, runs collapsed."""
    text = value if type(value) is str else str(value)
    if not text.isascii():
        text = INVISIBLE.sub("", text)
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split())


def match_key(value: str) -> str:
    """The form used to compare enum labels: NFKC, no spaces, full-width punctuation unified."""
    return clean_text(value).replace(" ", "").replace("(", "（").replace(")", "）").upper()


def _number_text(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _too_long(value: Any) -> bool:
    return isinstance(value, float) and abs(value) >= 10**MAX_EXACT_DIGITS


def norm_text(value: Any) -> Result:
    if type(value) is str:
        if value.isprintable():  # the common case: no control, invisible or odd blank characters to look for
            return (value.strip(" ") or None), None
        text = value.strip(_BLANK)  # stored as typed: only the blank space around it is trimmed
        if not text or not clean_text(text):
            return None, None
        if has_control(text):
            return text, Problem("CELL_CONTROL_CHAR", "可以输入的文字（不含控制字符）")
        return text, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number_text(value), None
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()[:10], None
    text = clean_text(value)
    return (text or None), None


def norm_code(value: Any) -> Result:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if _too_long(value):
            return _number_text(value), Problem("CELL_LONG_NUMBER", "以文本格式重新输入的完整编码")
        return _number_text(value), None
    text = clean_text(value).replace(" ", "")
    return (text.upper() or None), None


def norm_phone(value: Any) -> Result:
    code, problem = norm_code(value)
    if code and not problem:
        code = code.replace("（", "").replace("）", "-").replace("(", "").replace(")", "-")
    return code, problem


def make_enum(options: Sequence[str]) -> Callable[[Any], Result]:
    table = {match_key(o): o for o in options}

    def norm_enum(value: Any) -> Result:
        text = clean_text(_number_text(value) if isinstance(value, (int, float)) else value)
        if not text:
            return None, None
        return table.get(match_key(text), text), None

    return norm_enum


def make_multi(options: Sequence[str]) -> Callable[[Any], Result]:
    single = make_enum(options)

    def norm_multi(value: Any) -> Result:
        text = clean_text(value)
        if not text:
            return None, None
        items = [single(part)[0] for part in _MULTI_SPLIT.split(text) if part.strip()]
        return list(dict.fromkeys(items)), None

    return norm_multi


def norm_bool(value: Any) -> Result:
    if isinstance(value, bool):
        return ("是" if value else "否"), None
    text = clean_text(_number_text(value) if isinstance(value, (int, float)) else value)
    if not text:
        return None, None
    key = text.upper()
    if key in _TRUE:
        return "是", None
    if key in _FALSE:
        return "否", None
    return text, None  # the schema's enum check reports it with the allowed values


def _parse_date(value: Any, allow_month: bool) -> Result:
    expected = "日期，如 2024-03-01" + ("，或精确到月如 2024-03" if allow_month else "")
    if isinstance(value, (dt.date, dt.datetime)):
        day = value.date() if isinstance(value, dt.datetime) else value
        if not PLAUSIBLE_YEARS[0] <= day.year <= PLAUSIBLE_YEARS[1]:  # a number typed into a date-formatted cell
            typed, problem = _date_from_number((dt.datetime.combine(day, dt.time()) - _EXCEL_EPOCH).days, allow_month, expected)
            if problem is None or problem.expected != expected:
                return typed, problem
            return day.isoformat(), Problem(
                "CELL_DATE", f"{PLAUSIBLE_YEARS[0]}–{PLAUSIBLE_YEARS[1]} 年间的{expected}（{day.year} 年不像信息系统的日期）"
            )
        return day.isoformat(), None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _date_from_number(value, allow_month, expected)
    text = clean_text(value).replace(" ", "")
    if not text:
        return None, None
    m = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    if not m:
        return text, Problem("CELL_DATE", expected)
    year, month, day = int(m[1]), int(m[2]), m[3]
    try:
        if day is None:
            dt.date(year, month, 1)
            if not allow_month:
                return text, Problem("CELL_DATE", "精确到日的日期，如 2024-03-01")
            return f"{year:04d}-{month:02d}", None
        return dt.date(year, month, int(day)).isoformat(), None
    except ValueError:
        return text, Problem("CELL_DATE", expected)


def _date_from_number(value: float, allow_month: bool, expected: str) -> Result:
    """A number in a date column. Excel turns a typed date into a date cell (read as a date), so a
    plain number is what the person typed: a year (2019), a year and month (202003), a compact date
    (20200315), or a date whose cell lost its date format (an Excel serial number such as 43900)."""
    typed = _number_text(value)
    if not math.isfinite(value) or not float(value).is_integer():
        return typed, Problem("CELL_DATE", expected)
    n = int(value)
    if 1900 <= n <= 2100:
        return typed, Problem(
            "CELL_DATE", f"写到{'月' if allow_month else '日'}的日期（只填了年份 {n}），如 {n}-06" + ("" if allow_month else "-30")
        )
    if 190001 <= n <= 210012 and 1 <= n % 100 <= 12:
        if allow_month:
            return f"{n // 100:04d}-{n % 100:02d}", None
        return typed, Problem("CELL_DATE", f"精确到日的日期（{typed} 只写到月），如 {n // 100}-{n % 100:02d}-01")
    if 19000101 <= n <= 21001231:
        try:
            return dt.date(n // 10000, n // 100 % 100, n % 100).isoformat(), None
        except ValueError:
            return typed, Problem("CELL_DATE", expected)
    if SERIAL_RANGE[0] <= n <= SERIAL_RANGE[1]:
        day = (_EXCEL_EPOCH + dt.timedelta(days=n)).date().isoformat()
        return (day[:7] if allow_month and day.endswith("-01") else day), Problem("CELL_DATE_SERIAL", day)
    return typed, Problem("CELL_DATE", expected)


def norm_date(value: Any) -> Result:
    return _parse_date(value, allow_month=False)


def as_day(text: str) -> dt.date | None:
    """A day as people type it (2026-06-30, 2026/6/30, 2026年6月30日, ...), or None when it is not one."""
    value, problem = norm_date(text)
    return None if problem or not isinstance(value, str) else dt.date.fromisoformat(value)


def norm_month(value: Any) -> Result:
    return _parse_date(value, allow_month=True)


def _parse_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = clean_text(value).replace(" ", "").replace(",", "").replace("，", "")
        try:
            number = float(_AMOUNT_UNIT.sub("", text))
        except ValueError:
            return None
    return number if math.isfinite(number) else None  # inf and nan are not amounts anyone typed


def norm_amount(value: Any) -> Result:
    if type(value) is float and math.isfinite(value):  # the common case, read as a number: nothing to parse
        return (int(value) if value.is_integer() and abs(value) < 2**53 else round(value, 6)), None
    if isinstance(value, str) and not clean_text(value):
        return None, None
    number = _parse_number(value)
    if number is None:
        raw = clean_text(value)
        hint = "以万元为单位的数字，如 35 或 35.5" + ("（“元”请换算成万元）" if raw.endswith("元") else "")
        return raw, Problem("CELL_NUMBER", hint)
    return (int(number) if number.is_integer() and abs(number) < 2**53 else round(number, 6)), None


def norm_int(value: Any) -> Result:
    if type(value) is float and value.is_integer() and abs(value) < 2**63:  # the common case (inf is not an integer)
        return int(value), None
    if isinstance(value, str) and not clean_text(value):
        return None, None
    number = _parse_number(value)
    if number is None or not number.is_integer():
        return clean_text(value), Problem("CELL_INTEGER", "不带小数的整数，如 1200")
    return (int(number) if abs(number) < 2**63 else number), None  # too big to be a count: the schema's maximum says so


def normaliser(ftype: str, options: Sequence[str] | None) -> Callable[[Any], Result]:
    """The normaliser for a field of x-type `ftype` (made once per type and list of options)."""
    return _normaliser(ftype, tuple(options) if options else None)


@functools.lru_cache(maxsize=1024)
def _normaliser(ftype: str, options: tuple[str, ...] | None) -> Callable[[Any], Result]:
    return _remembering(_plain_normaliser(ftype, options))


REMEMBERED = 5_000  # cells remembered per normaliser: a batch of returns repeats its options, dates and amounts
REMEMBERED_TEXT = 40  # characters of the longest text remembered (a description is seldom typed twice)


def _remembering(fn: Callable[[Any], Result]) -> Callable[[Any], Result]:
    """`fn`, answering a cell it has seen before (of the same type: TRUE is not 1) from memory. Each
    return's columns are normalised one distinct value at a time; across the returns of a batch the
    same values come back. A list (several options) is handed out as a copy: callers own what they get.
    `.plain` is `fn` itself, for a column of many distinct cells (mostly unique: memory would only cost)."""
    seen: dict[tuple[type, Any], Result] = {}

    def norm(value: Any) -> Result:
        key = (value.__class__, value)
        if key[0] is float and (value == 0 or value != value):  # -0.0 equals 0.0, and NaN nothing: as they come
            return fn(value)
        try:
            hit = seen.get(key)
        except TypeError:  # not hashable: nothing to remember
            return fn(value)
        if hit is None:
            hit = fn(value)
            if len(seen) < REMEMBERED and (key[0] is not str or len(value) <= REMEMBERED_TEXT):
                seen[key] = hit
        return (list(hit[0]), hit[1]) if hit[0].__class__ is list else hit

    def many(values: list[Any]) -> tuple[list[Any], dict[int, Problem]]:
        """A column's distinct cells at once: (each one's value, code -> problem where there is one); an
        empty cell ("" or None) is None. What `norm` gives each, without a call per cell."""
        out: list[Any] = []
        said: dict[int, Problem] = {}
        get = seen.get
        for code, value in enumerate(values):
            if value.__class__ is str:  # the common case, spelled out
                if not value:
                    out.append(None)
                    continue
                key = (str, value)
                hit = get(key)
                if hit is None:
                    hit = fn(value)
                    if len(seen) < REMEMBERED and len(value) <= REMEMBERED_TEXT:
                        seen[key] = hit
            elif value is None or value == "":
                out.append(None)
                continue
            else:
                hit = norm(value)
            value = hit[0]
            out.append(list(value) if value.__class__ is list else value)
            if hit[1] is not None:
                said[code] = hit[1]
        return out, said

    norm.plain = fn  # type: ignore[attr-defined]  # for a column of many distinct cells, remembering costs more than it saves
    norm.many = many  # type: ignore[attr-defined]
    return norm


def _plain_normaliser(ftype: str, options: tuple[str, ...] | None) -> Callable[[Any], Result]:
    if ftype == "enum":
        return make_enum(options or ())
    if ftype == "multi":
        return make_multi(options or ())
    return {
        "text": norm_text,
        "code": norm_code,
        "uscc": norm_code,
        "phone": norm_phone,
        "bool": norm_bool,
        "date": norm_date,
        "month": norm_month,
        "amount": norm_amount,
        "int": norm_int,
    }[ftype]


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    """The 18th character of a 统一社会信用代码 (GB 32100-2015)."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc_valid(code: str) -> bool:
    if len(code) != 18 or any(c not in USCC_CHARS for c in code):
        return False
    return uscc_check_char(code[:17]) == code[17]
