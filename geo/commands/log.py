"""``python -m geo log add|list|edit|delete|history|import|export``: the incident log, headless.

Every sub-command takes ``--log PATH_OR_URL`` (a GeoPackage file or a
``postgresql://`` URL; ``$SAHEL_RISK_LOG`` or the user's data folder by default,
see :func:`geo.log.default_log_target`). Every change records ``--author``
(``$SAHEL_RISK_AUTHOR`` or the login name by default). ``import`` reads a file
through the sandboxed reader (:func:`geo.io.ingest.ingest_upload`), prints its
validation report on standard error and writes every kept row in one
transaction: all of them or none. ``export`` writes the current records as
GeoPackage or CSV atomically.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import Any

from geo.commands._help import HelpText
from geo.commands._options import parse_day
from geo.commands.validate import local_path
from geo.errors import ParameterError
from geo.i18n import Translator, gettext_noop, translator
from geo.log import ENV_VAR, open_log
from geo.log.records import DATE_PRECISIONS, from_canonical
from geo.provenance import format_day
from geo.schema import CATEGORIES, CATEGORY_LABELS

__all__ = ["register", "run"]

#: CLI option -> record field, for ``add`` and ``edit``.
_FIELD_OPTIONS: dict[str, str] = {
    "date": "event_date",
    "date_precision": "date_precision",
    "lat": "lat",
    "lon": "lon",
    "category": "category",
    "event_type": "event_type",
    "actor1": "actor1",
    "actor2": "actor2",
    "fatalities": "fatalities",
    "victims": "victims",
    "nationalities": "victim_nationalities",
    "location": "location",
    "geo_precision": "geo_precision",
    "notes": "notes",
    "source": "report_source",
    "report_ref": "report_ref",
    "source_url": "source_url",
    "reliability": "grading",
    "original_text": "original_text",
}
_LIST_COLUMNS = ("incident_id", "event_date", "category", "location", "fatalities", "author")
#: Heading of each listed column.
_LIST_HEADINGS: dict[str, str] = {
    "incident_id": gettext_noop("id"),
    "event_date": gettext_noop("date"),
    "category": gettext_noop("category"),
    "location": gettext_noop("place"),
    "fatalities": gettext_noop("fatalities"),
    "author": gettext_noop("author"),
}
#: Revision action -> its word in the history (English: the action's own name).
_ACTIONS: dict[str, str] = {
    "add": gettext_noop("add"),
    "import": gettext_noop("import"),
    "edit": gettext_noop("edit"),
    "delete": gettext_noop("delete"),
}


def _add_log_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--log",
        metavar="PATH_OR_URL",
        help=HelpText(
            gettext_noop(
                "the incident log: a GeoPackage file or a postgresql:// URL (default "
                "${variable} or ~/.local/share/sahel-risk-map/log.gpkg)"
            ),
            variable=ENV_VAR,
        ),
    )


def _add_author_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--author",
        default=os.environ.get("SAHEL_RISK_AUTHOR") or getpass.getuser(),
        help=gettext_noop("who makes this change (default $SAHEL_RISK_AUTHOR or your login name)"),
    )


def _add_field_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--date", type=parse_day, metavar="YYYY-MM-DD", help=gettext_noop("event date")
    )
    parser.add_argument(
        "--date-precision", choices=DATE_PRECISIONS, help=gettext_noop("day, week or month")
    )
    parser.add_argument("--lat", type=float, help=gettext_noop("latitude (EPSG:4326)"))
    parser.add_argument("--lon", type=float, help=gettext_noop("longitude (EPSG:4326)"))
    parser.add_argument(
        "--place",
        metavar="TOWN",
        help=gettext_noop("a bundled town instead of --lat/--lon (any spelling)"),
    )
    parser.add_argument("--category", choices=CATEGORIES, help=gettext_noop("harmonised category"))
    parser.add_argument(
        "--event-type", help=gettext_noop("the report's own type (the category by default)")
    )
    parser.add_argument("--actor1", help=gettext_noop("perpetrator or first actor"))
    parser.add_argument("--actor2", help=gettext_noop("target or second actor"))
    parser.add_argument("--fatalities", type=int, help=gettext_noop("people killed"))
    parser.add_argument(
        "--victims", type=int, help=gettext_noop("people killed, wounded or abducted")
    )
    parser.add_argument(
        "--nationalities", help=gettext_noop("victims' nationalities, e.g. 'Chinese; Malian'")
    )
    parser.add_argument("--location", help=gettext_noop("place name as reported"))
    parser.add_argument(
        "--geo-precision",
        type=int,
        choices=(1, 2, 3),
        help=gettext_noop("1 exact, 2 near a place, 3 area"),
    )
    parser.add_argument("--notes", help=gettext_noop("what happened"))
    parser.add_argument(
        "--source", help=gettext_noop("who reported it (guard, driver, partner...)")
    )
    parser.add_argument("--report-ref", help=gettext_noop("the report's reference"))
    parser.add_argument("--source-url", help=gettext_noop("where the event is documented"))
    parser.add_argument(
        "--reliability",
        metavar="GRADING",
        help=gettext_noop("source reliability A-F and credibility 1-6: B2"),
    )
    parser.add_argument("--original-text", help=gettext_noop("the report's text as received"))


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``log`` command and its sub-commands to the CLI.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The CLI's sub-command registry.
    """
    parser = subparsers.add_parser(
        "log",
        help=gettext_noop(
            "the team's incident log: add, list, edit, delete, history, import, export"
        ),
        description=gettext_noop(
            "Record, correct and export the team's own incidents in a GeoPackage "
            "file or a PostGIS database. Corrections and deletions are revisions: nothing is "
            "overwritten."
        ),
    )
    sub = parser.add_subparsers(dest="log_command", metavar="ACTION", required=True)

    add = sub.add_parser(
        "add", help=gettext_noop("add one incident (--date, --lat/--lon or --place)")
    )
    _add_field_options(add)
    _add_author_option(add)
    _add_log_option(add)
    add.set_defaults(func=_add)

    lst = sub.add_parser("list", help=gettext_noop("list the current incidents"))
    lst.add_argument(
        "--json", action="store_true", help=gettext_noop("a JSON array, one object per record")
    )
    _add_log_option(lst)
    lst.set_defaults(func=_list)

    edit = sub.add_parser("edit", help=gettext_noop("correct an incident (a new revision)"))
    edit.add_argument("incident_id", type=int, metavar="ID")
    _add_field_options(edit)
    edit.add_argument("--reason", default="", help=gettext_noop("why (shown in the history)"))
    _add_author_option(edit)
    _add_log_option(edit)
    edit.set_defaults(func=_edit)

    delete = sub.add_parser(
        "delete", help=gettext_noop("delete an incident (a revision; history kept)")
    )
    delete.add_argument("incident_id", type=int, metavar="ID")
    delete.add_argument("--reason", default="", help=gettext_noop("why (shown in the history)"))
    _add_author_option(delete)
    _add_log_option(delete)
    delete.set_defaults(func=_delete)

    history = sub.add_parser("history", help=gettext_noop("every revision of one incident"))
    history.add_argument("incident_id", type=int, metavar="ID")
    history.add_argument(
        "--json", action="store_true", help=gettext_noop("a JSON array, oldest first")
    )
    _add_log_option(history)
    history.set_defaults(func=_history)

    imp = sub.add_parser(
        "import", help=gettext_noop("import an ACLED, UCDP or CSV file (all rows or none)")
    )
    imp.add_argument("file", metavar="FILE")
    _add_author_option(imp)
    _add_log_option(imp)
    imp.set_defaults(func=_import)

    exp = sub.add_parser(
        "export", help=gettext_noop("write the current incidents as GeoPackage or CSV")
    )
    exp.add_argument("out", metavar="OUT", help=gettext_noop("output file (.gpkg or .csv)"))
    _add_log_option(exp)
    exp.set_defaults(func=_export)


def run(args: argparse.Namespace) -> int:
    """Run the chosen ``log`` sub-command (the parser sets it as ``func``)."""
    return int(args.func(args) or 0)


def _fields(args: argparse.Namespace) -> dict[str, Any]:
    values = {
        field: getattr(args, option)
        for option, field in _FIELD_OPTIONS.items()
        if getattr(args, option) is not None
    }
    if "event_date" in values:
        values["event_date"] = values["event_date"].isoformat()
    if args.place is not None:
        if args.lat is not None or args.lon is not None:
            raise ParameterError("give either --place or --lat/--lon, not both")
        from geo.gazetteer import build_gazetteer, resolve_town
        from geo.io.bundled import load_towns

        town = resolve_town(build_gazetteer(load_towns()), args.place)
        values.update(lon=town.lon, lat=town.lat)
        values.setdefault("location", town.name)
        values.setdefault("geo_precision", 1)  # the town itself, as the news log's "town"
    return values


def _cell(value: object, column: str, tr: Translator) -> str:
    """One listed value: a category by its label, a date in the language's form."""
    if column == "category":
        return tr.gettext(CATEGORY_LABELS.get(str(value), str(value)))
    if column == "event_date" and value:
        return format_day(value, tr=tr)
    return str(value)


def _add(args: argparse.Namespace) -> int:
    values = _fields(args)
    missing = [
        f"--{o}" for o, f in (("date", "event_date"), ("category", "category")) if f not in values
    ]
    if "lat" not in values or "lon" not in values:
        missing.append("--lat/--lon or --place")
    if missing:
        raise ParameterError(f"log add needs {', '.join(missing)}")
    log = open_log(args.log)
    incident = log.add(values, author=args.author)
    tr = translator(args.lang)
    print(tr.gettext("added incident {id} to {log}").format(id=incident, log=log.name))
    return 0


def _list(args: argparse.Namespace) -> int:
    rows = open_log(args.log).current()
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    tr = translator(args.lang)
    print("\t".join(tr.gettext(_LIST_HEADINGS[c]) for c in _LIST_COLUMNS))
    for row in rows:
        print("\t".join(_cell(row[c], c, tr) for c in _LIST_COLUMNS))
    return 0


def _edit(args: argparse.Namespace) -> int:
    values = _fields(args)
    log = open_log(args.log)
    revision = log.edit(args.incident_id, values, author=args.author, reason=args.reason)
    print(
        translator(args.lang)
        .gettext("incident {id}: revision {revision} written")
        .format(id=args.incident_id, revision=revision)
    )
    return 0


def _delete(args: argparse.Namespace) -> int:
    log = open_log(args.log)
    revision = log.delete(args.incident_id, author=args.author, reason=args.reason)
    print(
        translator(args.lang)
        .gettext("incident {id} deleted (revision {revision}; its history is kept)")
        .format(id=args.incident_id, revision=revision)
    )
    return 0


def _history(args: argparse.Namespace) -> int:
    revisions = open_log(args.log).history(args.incident_id)
    if args.json:
        json.dump(revisions, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    tr = translator(args.lang)
    for rev in revisions:
        reason = f" ({rev['reason']})" if rev["reason"] else ""
        print(
            tr.gettext(
                "revision {revision}: {action} by {author} at {time}{reason}: {date} {category} "
                "{place} lat {lat} lon {lon}, fatalities {fatalities}, grading {grading}"
            ).format(
                revision=rev["revision"],
                action=tr.gettext(_ACTIONS.get(str(rev["action"]), str(rev["action"]))),
                author=rev["author"],
                time=rev["entered_at"],
                reason=reason,
                date=_cell(rev["event_date"], "event_date", tr),
                category=_cell(rev["category"], "category", tr),
                place=rev["location"] or "",
                lat=rev["lat"],
                lon=rev["lon"],
                fatalities=rev["fatalities"],
                grading=f"{rev['reliability']}{rev['credibility']}",
            )
        )
    return 0


def _import(args: argparse.Namespace) -> int:
    from geo.io.ingest import ingest_file, terminal_progress

    path = local_path(args.file)
    tr = translator(args.lang)
    result = ingest_file(path, progress=terminal_progress(path.name, tr=tr))
    for line in result.report.to_lines(max_issues=20, tr=tr):
        print(line, file=sys.stderr)
    records = from_canonical(result.incidents)
    if not records:
        raise ParameterError(f"{path.name}: no row could be kept, nothing was imported")
    tty = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if tty:
            line = tr.gettext("importing {done} of {total} rows").format(
                done=tr.number(done), total=tr.number(total)
            )
            print(f"\r{line}", end="", file=sys.stderr, flush=True)

    log = open_log(args.log)
    ids = log.add_many(records, author=args.author, action="import", progress=progress)
    if tty:
        print(file=sys.stderr)
    print(
        tr.gettext("imported {n} incidents from {file} into {log} (one transaction)").format(
            n=tr.number(len(ids)), file=path.name, log=log.name
        )
    )
    return 0


def _export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from geo.export.tabular import write_table_atomic

    out = Path(args.out)
    if out.suffix.lower() not in (".gpkg", ".csv"):
        raise ParameterError(f"{out.name}: export the log as .gpkg or .csv")
    frame = open_log(args.log).current_frame()
    table = frame if out.suffix.lower() == ".gpkg" else frame.drop(columns="geometry")
    write_table_atomic(table, out, layer="incident_log")
    tr = translator(args.lang)
    print(
        tr.ngettext(
            "wrote {n} incident to {file}", "wrote {n} incidents to {file}", len(frame)
        ).format(n=tr.number(len(frame)), file=out.name)
    )
    return 0
