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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import numpy as np

__all__ = ["ACTIONS", "Action", "RowIssue", "RowRef", "ValidationReport", "show_value"]

#: What happened to a row because of an issue. ``repaired``: a value was changed
#: (the reason says how) and the row kept; ``flagged``: the row was kept unchanged
#: but deserves a look (a future date); ``rejected``: the row was left out.
Action = Literal["repaired", "flagged", "rejected"]
ACTIONS: tuple[str, ...] = ("repaired", "flagged", "rejected")

_MAX_VALUE_CHARS = 60


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

    def to_line(self) -> str:
        """Render the issue as one sentence naming file, row and column.

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
        return (
            f"{self.file}, {self.row_label} {self.row}, column {self.column!r}: "
            f"{self.value} {self.reason}; {self.row_label} {self.action}."
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
            notes.append(f"{p.file} ({p.format}): {p.summary()}")
            notes.extend(n if n.startswith(f"{p.file}:") else f"{p.file}: {n}" for n in p.notes)
        formats = {p.format for p in parts}
        return ValidationReport(
            file=" + ".join(p.file for p in parts),
            format=formats.pop() if len(formats) == 1 else "combined",
            rows_in=sum(p.rows_in for p in parts),
            rows_kept=sum(p.rows_kept for p in parts),
            issues=tuple(i for p in parts for i in p.issues),
            notes=tuple(notes),
        )

    def summary(self) -> str:
        """Return the counts as one phrase.

        Examples
        --------
        >>> ValidationReport("a.csv", "csv", rows_in=3, rows_kept=3).summary()
        '3 rows read, 3 kept (0 repaired, 0 flagged), 0 rejected'
        """
        return (
            f"{self.rows_in} rows read, {self.rows_kept} kept "
            f"({self.n_repaired} repaired, {self.n_flagged} flagged), "
            f"{self.n_rejected} rejected"
        )

    def to_lines(self, *, max_issues: int | None = None) -> list[str]:
        """Render the report: counts first, then notes, then one line per problem.

        Parameters
        ----------
        max_issues : int, optional
            Show at most this many problem lines, then say how many were left
            out; all of them by default.

        Returns
        -------
        list of str
            Lines without newline characters.
        """
        lines = [f"{self.file} ({self.format}): {self.summary()}."]
        lines.extend(f"note: {n}" for n in self.notes)
        shown = self.issues if max_issues is None else self.issues[:max_issues]
        lines.extend(i.to_line() for i in shown)
        if len(shown) < len(self.issues):
            lines.append(f"... and {len(self.issues) - len(shown)} more problems not shown.")
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
