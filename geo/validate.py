"""The validation report: what a reader kept, repaired and rejected, row by row.

A :class:`ValidationReport` is plain data. The CLI prints it
(:meth:`ValidationReport.to_lines`, ``--json`` uses
:meth:`ValidationReport.to_dict`), the app shows it beside the map and the PDF
briefing lists it, so every row of every input file is accounted for::

    rows_in == rows_kept + n_rejected      (kept rows include repaired and flagged ones)

Rows are numbered as a spreadsheet shows them: in a CSV the header is row 1, so
the first data row is row 2. Features of GeoJSON, GeoPackage and shapefile
layers are numbered from 1 in file order and called "feature".
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import numpy as np

from geo.i18n import DEFAULT_LANGUAGE, Translator, gettext_noop, translator

__all__ = [
    "ACTIONS",
    "READER_MESSAGES",
    "Action",
    "RowIssue",
    "RowRef",
    "ValidationReport",
    "reader_message",
    "show_value",
    "translate_message",
]

#: What happened to a row because of an issue. ``repaired``: a value was changed
#: (the reason says how) and the row kept; ``flagged``: the row was kept unchanged
#: but deserves a look (a future date); ``rejected``: the row was left out.
Action = Literal["repaired", "flagged", "rejected"]
ACTIONS: tuple[str, ...] = ("repaired", "flagged", "rejected")

_MAX_VALUE_CHARS = 60
_FORMATTER = string.Formatter()
#: The default language of the report (callers pass ``tr`` for another).
_EN: Translator = translator()

#: How a row is named in a sentence, by ``row_label``.
_ROW_WORDS: dict[str, str] = {
    "row": gettext_noop("row {row}"),
    "feature": gettext_noop("feature {row}"),
}
#: What happened to the row, by (``row_label``, action).
_OUTCOMES: dict[tuple[str, str], str] = {
    ("row", "repaired"): gettext_noop("row repaired"),
    ("row", "flagged"): gettext_noop("row flagged"),
    ("row", "rejected"): gettext_noop("row rejected"),
    ("feature", "repaired"): gettext_noop("feature repaired"),
    ("feature", "flagged"): gettext_noop("feature flagged"),
    ("feature", "rejected"): gettext_noop("feature rejected"),
}

#: Every reason and note the readers (``geo.io``) write, by key: English templates whose
#: ``{fields}`` the reader fills (:func:`reader_message`). The text stays English in the
#: report's data and its JSON; :func:`translate_message` renders it in another language.
READER_MESSAGES: dict[str, str] = {
    # counted nouns (inside notes)
    "n_row": gettext_noop("{n} row"),
    "n_rows": gettext_noop("{n} rows"),
    "n_feature": gettext_noop("{n} feature"),
    "n_features": gettext_noop("{n} features"),
    "n_point": gettext_noop("{n} point"),
    "n_points": gettext_noop("{n} points"),
    "n_date": gettext_noop("{n} date"),
    "n_dates": gettext_noop("{n} dates"),
    "n_event": gettext_noop("{n} event"),
    "n_events": gettext_noop("{n} events"),
    # merged reports
    "file_summary": gettext_noop("{file} ({format}): {summary}"),
    "file_note": gettext_noop("{file}: {note}"),
    # a merged file's summary (ValidationReport.summary, many rows), matched inside file_summary
    "rows_summary": gettext_noop(
        "{rows_in} rows read, {kept} kept ({repaired} repaired, {flagged} flagged), "
        "{rejected} rejected"
    ),
    # table files
    "encoding": gettext_noop("encoding: {encoding}"),
    "utf8_bom": gettext_noop("UTF-8 with byte-order mark"),
    "utf16_bom": gettext_noop("UTF-16 with byte-order mark"),
    "n_line": gettext_noop("{n} line"),
    "n_lines": gettext_noop("{n} lines"),
    "mixed_encoding": gettext_noop(
        "mixed: UTF-8, except {lines} decoded as cp1252 (Windows-1252); those rows are flagged"
    ),
    "cp1252": gettext_noop("Windows-1252 (cp1252), detected: the file is not UTF-8"),
    "latin1_c1": gettext_noop(
        "Latin-1 (ISO-8859-1), detected: not UTF-8 nor cp1252; it holds C1 control characters "
        "(bytes 0x80-0x9F) that are not text, check the encoding"
    ),
    "latin1": gettext_noop(
        "Latin-1 (ISO-8859-1, the same as cp1252 for these bytes), detected: not UTF-8"
    ),
    "delimiter": gettext_noop("delimiter: {delimiter}"),
    "blank_lines": gettext_noop("{n} blank lines skipped"),
    "hxl": gettext_noop(
        "row 2 holds HXL hashtags (#event+code, #date+occurred...: an HDX copy); it was "
        "recognised and skipped"
    ),
    "excel_sheet": gettext_noop("Excel sheet {name}"),
    "excel_first_sheet": gettext_noop("first sheet {name} read; not read: {others}"),
    "fields_run_out": gettext_noop(
        "is where the row's fields run out or over: the row has {found} fields but the header "
        "has {width} (an unquoted comma or a cut line?)"
    ),
    "not_utf8_row": gettext_noop(
        "is on a row that is not UTF-8 like the rest of the file; the row was decoded as cp1252 "
        "(Windows-1252): check its text"
    ),
    # columns and sources
    "column_mapped": gettext_noop("column {column} mapped to {target}"),
    "types_matched": gettext_noop("event types of {rows} matched with the {family} table"),
    "schema": gettext_noop("attributes follow the {family} schema"),
    "acled_2023": gettext_noop("ACLED export with the 2023+ columns"),
    "acled_old": gettext_noop("older ACLED export (data_id / event_id_no_cnty, before 2023)"),
    "no_date_start": gettext_noop("no date_start column: dates built from year, month and day"),
    "no_fatalities": gettext_noop("no fatalities column: fatalities set to 0"),
    "ucdp_words": gettext_noop("type_of_violence codes 1/2/3 written as the UCDP codebook's words"),
    "no_event_id": gettext_noop("no event id column: ids made from the {label} number"),
    "blank_id": gettext_noop("is blank; every event needs an id"),
    "repeated_id": gettext_noop(
        "repeats the event id of {label} {first}; the later copy is rejected so its fatalities "
        "are not counted twice"
    ),
    "repeated_source_id": gettext_noop(
        "repeats the {source} event id of {file} row {first}; the later copy is rejected so its "
        "fatalities are not counted twice"
    ),
    # coordinates
    "decimal_comma": gettext_noop("has a decimal comma; read as {value}"),
    "blank_coordinate": gettext_noop("is blank; a point needs both coordinates"),
    "not_degrees": gettext_noop("is not a decimal number of degrees"),
    "coordinate_nan": gettext_noop("has a coordinate that is not a number"),
    "swapped": gettext_noop(
        "with {axis} {value} is outside the West-Africa box but inside it when swapped; latitude "
        "and longitude swapped back"
    ),
    "swapped_note": gettext_noop(
        "{rows} had latitude and longitude swapped (detected against the West-Africa box lon "
        "{lon}, lat {lat}) and were swapped back"
    ),
    "projected": gettext_noop(
        "looks like projected coordinates (metres) without a CRS{prj}; projected? give lon/lat "
        "degrees (EPSG:4326)"
    ),
    "lat_range": gettext_noop("is outside -90..90"),
    "lon_range": gettext_noop("is outside -180..180"),
    "null_island": gettext_noop(
        "with longitude 0 is 'null island' (0, 0), a typical geocoding failure"
    ),
    "exactly_zero": gettext_noop("is exactly 0; check that the point was geocoded"),
    "outside_box": gettext_noop(
        "{points} outside the West-Africa box (lon {lon}, lat {lat}); they are kept"
    ),
    # dates
    "utc_date": gettext_noop("has a time zone offset; read as the UTC date {date}"),
    "times_dropped": gettext_noop(
        "times of day dropped from {dates} (dates are kept to the day; a time zone offset gives "
        "the UTC date)"
    ),
    "blank_date": gettext_noop("is blank; every event needs a date"),
    "bad_date": gettext_noop("is not a date in the accepted formats ({allowed})"),
    "year_range": gettext_noop("has a year out of range"),
    "no_such_day": gettext_noop("is not a calendar date (no such day in that month)"),
    "future": gettext_noop("is in the future (after {today})"),
    "early": gettext_noop("is before {year}, when UCDP GED starts; check the year"),
    # fatalities
    "fatalities_blank": gettext_noop("is blank; fatalities set to 0"),
    "fatalities_negative": gettext_noop("is negative; fatalities set to 0"),
    "fatalities_nan": gettext_noop("is not a number; fatalities set to 0"),
    "fatalities_implausible": gettext_noop("is not a plausible count; fatalities set to 0"),
    "fatalities_range": gettext_noop(
        "is not a whole number; read as {figure} (the first figure, the lower end of a range)"
    ),
    # precision
    "no_where_prec": gettext_noop(
        "no where_prec column: the reduced GED extract keeps only where_prec 1-2 events, so "
        "every event is taken as precise, geo_precision 2 (within 25 km)"
    ),
    "no_geo_precision": gettext_noop(
        "no location precision column: every point taken as exact (geo_precision 1)"
    ),
    "bad_geo_precision": gettext_noop("is not {allowed}; treated as 3 (area, imprecise)"),
    "no_date_precision": gettext_noop(
        "no date precision column: every date taken as the day of the event"
    ),
    "bad_date_precision": gettext_noop("is not {allowed}; treated as month"),
    # geometries and layers
    "null_geometry": gettext_noop("is null (the feature has no geometry)"),
    "unreadable_geometry": gettext_noop("is not a readable geometry (unclosed ring?)"),
    "zm_dropped": gettext_noop("Z/M values dropped from {features} (lon/lat kept)"),
    "layer": gettext_noop("layer: {name}"),
    "zip_member": gettext_noop("read from zip member {name}"),
    "reprojected": gettext_noop("reprojected from {crs} to EPSG:4326"),
}


def reader_message(key: str, **fields: object) -> str:
    """Return a reader's reason or note in English, its ``{fields}`` filled.

    Parameters
    ----------
    key : str
        A key of :data:`READER_MESSAGES`.
    **fields
        The values of the template's placeholders.

    Returns
    -------
    str
        The English text stored in the report.

    Examples
    --------
    >>> reader_message("lat_range")
    'is outside -90..90'
    """
    return READER_MESSAGES[key].format(**fields)


#: What a ``{n}`` placeholder matches: a count as English or French writes it (1,234 / 1 234).
_COUNT = r"\d[\d,.\u202f\u00a0]*"


@functools.cache
def _patterns(templates: tuple[str, ...]) -> tuple[tuple[re.Pattern[str], str], ...]:
    """Compile a full-match pattern per template, the most specific (longest fixed text) first."""
    out = []
    for template in templates:
        seen: set[str] = set()
        regex = ""
        for literal, name, _spec, _conv in _FORMATTER.parse(template):
            regex += re.escape(literal)
            if name is None:
                continue
            if name in seen:
                regex += f"(?P={name})"
            else:  # a count ({n}) is digits with separators, never a stretch of words
                regex += f"(?P<{name}>{_COUNT if name == 'n' else '.*?'})"
            seen.add(name)
        fixed = len(re.sub(r"\{[^{}]*\}", "", template))
        out.append((fixed, re.compile(regex, re.DOTALL), template))
    out.sort(key=lambda item: -item[0])
    return tuple((pattern, template) for _fixed, pattern, template in out)


def translate_message(
    text: str, *, tr: Translator = _EN, templates: tuple[str, ...] | None = None
) -> str:
    """Render a reader's English reason or note in the language of ``tr``.

    The text is looked up as it is, then matched against each template of
    :data:`READER_MESSAGES`; the values found in it are kept (a value that is
    itself a template's text, such as a merged file's summary, is translated too).
    Text that matches nothing is returned unchanged.

    Parameters
    ----------
    text : str
        The English text as stored in the report.
    tr : Translator
        The language.
    templates : tuple of str, optional
        The English templates to match (:data:`READER_MESSAGES`' by default).

    Returns
    -------
    str
        The translated text.

    Examples
    --------
    >>> translate_message("is outside -90..90", tr=translator("fr"))
    'est hors de -90..90'
    """
    if tr.lang == DEFAULT_LANGUAGE:
        return text
    found = tr.gettext(text)
    if found != text:
        return found
    chosen = tuple(READER_MESSAGES.values()) if templates is None else templates
    for pattern, template in _patterns(chosen):
        match = pattern.fullmatch(text)
        if match:
            values = {
                k: translate_message(v, tr=tr, templates=chosen) if " " in v else v
                for k, v in match.groupdict().items()
            }
            return tr.gettext(template).format(**values)
    if text[:1].isupper():  # a sentence's capitalised start: the template begins in lower case
        lowered = translate_message(text[0].lower() + text[1:], tr=tr, templates=chosen)
        if lowered[1:] != text[1:]:
            return lowered[:1].upper() + lowered[1:]
    return text


def show_value(value: object, *, max_chars: int = _MAX_VALUE_CHARS) -> str:
    r"""Return ``repr(value)`` shortened to ``max_chars`` characters for messages.

    ``repr`` quotes strings and escapes control and bidi characters (``\u202e``),
    so a hostile cell cannot reorder or hide the text of the message around it.

    Parameters
    ----------
    value : object
        The offending value, as read (a str) or as parsed (a float).
    max_chars : int
        Longest result; longer reprs end with ``...``.

    Returns
    -------
    str
        The shortened repr.

    Examples
    --------
    >>> show_value(95.2)
    '95.2'
    >>> show_value("12 (est.)")
    "'12 (est.)'"
    >>> show_value("x" * 100, max_chars=10)
    "'xxxxxx..."
    """
    if isinstance(value, np.generic):
        value = value.item()
    text = repr(value)
    if len(text) > max_chars:
        text = text[: max_chars - 3] + "..."
    return text


class RowRef(NamedTuple):
    """One row of one file (the identity of a row across merged reports)."""

    file: str
    row: int


@dataclass(frozen=True)
class RowIssue:
    """One problem found in one cell of one row, and what was done about it.

    Attributes
    ----------
    file : str
        Display name of the file (never a path).
    row : int
        Row number as a spreadsheet shows it (CSV header = row 1), or the 1-based
        feature number for GeoJSON, GeoPackage and shapefile layers.
    column : str
        Column name as it appears in the file (``geometry`` for a feature's shape).
    value : str
        The offending value, see :func:`show_value`.
    reason : str
        What is wrong and, for a repair, what it was changed to; phrased to
        follow the value (``is outside -90..90``).
    action : str
        ``repaired``, ``flagged`` or ``rejected`` (see :data:`Action`).
    row_label : str
        ``row`` for tables, ``feature`` for vector layers.
    """

    file: str
    row: int
    column: str
    value: str
    reason: str
    action: Action
    row_label: str = "row"

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"action was {self.action!r} but is expected to be in {ACTIONS}")

    @classmethod
    def make(
        cls,
        file: str,
        row: int,
        column: str,
        value: object,
        reason: str,
        action: Action,
        *,
        row_label: str = "row",
    ) -> RowIssue:
        """Build an issue from the raw value (shown with :func:`show_value`).

        Parameters
        ----------
        file, row, column, reason, action, row_label
            As the attributes.
        value : object
            The offending value as read or parsed.

        Returns
        -------
        RowIssue
            The issue.
        """
        return cls(file, int(row), column, show_value(value), reason, action, row_label)

    @property
    def ref(self) -> RowRef:
        """The row this issue is about."""
        return RowRef(self.file, self.row)

    def to_line(self, *, tr: Translator = _EN) -> str:
        """Render the issue as one sentence naming file, row and column.

        Parameters
        ----------
        tr : Translator
            The language of the sentence (English by default); file, row, column
            and value are shown as read.

        Returns
        -------
        str
            For example ``incidents.csv, row 1204, column 'latitude': 95.2 is
            outside -90..90; row rejected.``

        Examples
        --------
        >>> RowIssue.make("incidents.csv", 1204, "latitude", 95.2,
        ...               "is outside -90..90", "rejected").to_line()
        "incidents.csv, row 1204, column 'latitude': 95.2 is outside -90..90; row rejected."
        """
        label = self.row_label if self.row_label in _ROW_WORDS else "row"
        return tr.gettext("{file}, {where}, column {column}: {value} {reason}; {outcome}.").format(
            file=self.file,
            where=tr.gettext(_ROW_WORDS[label]).format(row=self.row),
            column=repr(self.column),
            value=self.value,
            reason=translate_message(self.reason, tr=tr),
            outcome=tr.gettext(_OUTCOMES[(label, self.action)]),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the issue as a JSON-ready dict."""
        return {
            "file": self.file,
            "row": self.row,
            "row_label": self.row_label,
            "column": self.column,
            "value": self.value,
            "reason": self.reason,
            "action": self.action,
        }


@dataclass(frozen=True)
class ValidationReport:
    """What one reader (or several, merged) did with every row it read.

    Attributes
    ----------
    file : str
        Display name of the file; merged reports join the names with ``" + "``.
    format : str
        Detected or forced format (``acled_csv``, ``ucdp_csv``, ``news_csv``,
        ``csv``, ``geojson``, ``gpkg``, ``shapefile_zip``; ``combined`` when merged).
    rows_in : int
        Data rows (or features) read.
    rows_kept : int
        Rows in the canonical result (repaired and flagged rows included).
    issues : tuple of RowIssue
        Every problem, in file and row order.
    notes : tuple of str
        File-level information: encoding, column mappings, assumptions made.

    Raises
    ------
    ValueError
        If the counts do not add up (``rows_in != rows_kept + n_rejected``).
    """

    file: str
    format: str
    rows_in: int
    rows_kept: int
    issues: tuple[RowIssue, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "issues", tuple(self.issues))
        object.__setattr__(self, "notes", tuple(self.notes))
        if self.rows_in != self.rows_kept + self.n_rejected:
            raise ValueError(
                f"report for {self.file}: {self.rows_in} rows in but {self.rows_kept} kept "
                f"+ {self.n_rejected} rejected; every row must be accounted for."
            )

    @staticmethod
    def _rows(issues: Iterable[RowIssue], action: str) -> set[RowRef]:
        return {i.ref for i in issues if i.action == action}

    @property
    def rejected_rows(self) -> tuple[RowRef, ...]:
        """Rows left out, sorted (a row with several problems appears once)."""
        return tuple(sorted(self._rows(self.issues, "rejected")))

    @property
    def repaired_rows(self) -> tuple[RowRef, ...]:
        """Rows kept after at least one value was repaired, sorted."""
        rejected = self._rows(self.issues, "rejected")
        return tuple(sorted(self._rows(self.issues, "repaired") - rejected))

    @property
    def flagged_rows(self) -> tuple[RowRef, ...]:
        """Rows kept unchanged with a warning (and no repair), sorted."""
        other = self._rows(self.issues, "rejected") | self._rows(self.issues, "repaired")
        return tuple(sorted(self._rows(self.issues, "flagged") - other))

    @property
    def n_rejected(self) -> int:
        """Number of rows left out."""
        return len(self._rows(self.issues, "rejected"))

    @property
    def n_repaired(self) -> int:
        """Number of kept rows with at least one repaired value."""
        return len(self.repaired_rows)

    @property
    def n_flagged(self) -> int:
        """Number of kept rows with a warning only."""
        return len(self.flagged_rows)

    @property
    def usable(self) -> bool:
        """True when at least one row was kept."""
        return self.rows_kept > 0

    def merge(self, others: Sequence[ValidationReport]) -> ValidationReport:
        """Combine this report with ``others`` (one report for several sources).

        Parameters
        ----------
        others : sequence of ValidationReport
            Reports of the other files, in order.

        Returns
        -------
        ValidationReport
            Counts summed, issues concatenated, each file's counts and notes kept
            as notes prefixed with its name.
        """
        parts = [self, *others]
        if len(parts) == 1:
            return self
        notes: list[str] = []
        for p in parts:
            notes.append(
                reader_message("file_summary", file=p.file, format=p.format, summary=p.summary())
            )
            notes.extend(
                n
                if n.startswith(f"{p.file}:")
                else reader_message("file_note", file=p.file, note=n)
                for n in p.notes
            )
        formats = {p.format for p in parts}
        return ValidationReport(
            file=" + ".join(p.file for p in parts),
            format=formats.pop() if len(formats) == 1 else "combined",
            rows_in=sum(p.rows_in for p in parts),
            rows_kept=sum(p.rows_kept for p in parts),
            issues=tuple(i for p in parts for i in p.issues),
            notes=tuple(notes),
        )

    def summary(self, *, tr: Translator = _EN) -> str:
        """Return the counts as one phrase.

        Parameters
        ----------
        tr : Translator
            The language (English by default).

        Examples
        --------
        >>> ValidationReport("a.csv", "csv", rows_in=3, rows_kept=3).summary()
        '3 rows read, 3 kept (0 repaired, 0 flagged), 0 rejected'
        >>> ValidationReport("a.csv", "csv", rows_in=3, rows_kept=3).summary(tr=translator("fr"))
        '3 lignes lues, conservées : 3 (dont réparées : 0, signalées : 0), rejetées : 0'
        """
        return tr.ngettext(
            "{rows_in} row read, {kept} kept ({repaired} repaired, {flagged} flagged), "
            "{rejected} rejected",
            "{rows_in} rows read, {kept} kept ({repaired} repaired, {flagged} flagged), "
            "{rejected} rejected",
            self.rows_in,
        ).format(
            rows_in=self.rows_in,
            kept=self.rows_kept,
            repaired=self.n_repaired,
            flagged=self.n_flagged,
            rejected=self.n_rejected,
        )

    def to_lines(self, *, max_issues: int | None = None, tr: Translator = _EN) -> list[str]:
        """Render the report: counts first, then notes, then one line per problem.

        Parameters
        ----------
        max_issues : int, optional
            Show at most this many problem lines, then say how many were left
            out; all of them by default.
        tr : Translator
            The language of the lines (English by default): counts, notes,
            reasons and outcomes are translated; file names, row numbers, column
            names and values are shown as read.

        Returns
        -------
        list of str
            Lines without newline characters.
        """
        lines = [f"{self.file} ({self.format}): {self.summary(tr=tr)}."]
        note = tr.gettext("note: {note}")
        lines.extend(note.format(note=translate_message(n, tr=tr)) for n in self.notes)
        shown = self.issues if max_issues is None else self.issues[:max_issues]
        lines.extend(i.to_line(tr=tr) for i in shown)
        hidden = len(self.issues) - len(shown)
        if hidden:
            lines.append(
                tr.ngettext(
                    "... and {n} more problem not shown.",
                    "... and {n} more problems not shown.",
                    hidden,
                ).format(n=hidden)
            )
        return lines

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict (what ``--json`` prints)."""
        return {
            "file": self.file,
            "format": self.format,
            "rows_in": self.rows_in,
            "rows_kept": self.rows_kept,
            "n_repaired": self.n_repaired,
            "n_flagged": self.n_flagged,
            "n_rejected": self.n_rejected,
            "repaired_rows": [list(r) for r in self.repaired_rows],
            "rejected_rows": [list(r) for r in self.rejected_rows],
            "notes": list(self.notes),
            "issues": [i.to_dict() for i in self.issues],
        }
