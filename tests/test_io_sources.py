"""What users download: HDX copies of ACLED (HXL row), ACLED's XLSX files, dyadic exports.

Every file here is SYNTHETIC, built in the test from rows shaped like ACLED's
published column set (2023+ exports: ``event_id_cnty`` ... ``timestamp``).
Values are made up and hand-checkable: two events at OSM town points (Bamako
-8.00034 12.64932, Kayes -11.43793 14.44341), 2 and 5 fatalities.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from geo.io.incidents import read_incidents
from geo.io.ingest import ingest_upload

TODAY = dt.date(2026, 1, 1)
ACLED_COLUMNS = (
    "event_id_cnty event_date year time_precision disorder_type event_type sub_event_type "
    "actor1 assoc_actor_1 inter1 actor2 assoc_actor_2 inter2 interaction civilian_targeting "
    "iso region country admin1 admin2 admin3 location latitude longitude geo_precision source "
    "source_scale notes fatalities tags timestamp"
).split()
HXL = (
    "#event+code #date+occurred #date+year #date+precision #event+type+disorder #event+type "
    "#event+type+sub #group+name+first #group+name+first+assoc #group+type+first "
    "#group+name+second #group+name+second+assoc #group+type+second #group+interaction "
    "#civilians+targeted #country+code #region+name #country+name #adm1+name #adm2+name "
    "#adm3+name #loc+name #geo+lat #geo+lon #geo+precision #meta+source #meta+source+scale "
    "#description #affected+killed #meta+tags #date+updated"
).split()


def acled_row(event_id, actor1, actor2, *, town="Bamako", fatalities=2):
    lat, lon = {"Bamako": (12.64932, -8.00034), "Kayes": (14.44341, -11.43793)}[town]
    values = {
        "event_id_cnty": event_id,
        "event_date": "2025-04-03",
        "year": "2025",
        "time_precision": "1",
        "disorder_type": "Political violence",
        "event_type": "Battles",
        "sub_event_type": "Armed clash",
        "actor1": actor1,
        "inter1": "1",
        "actor2": actor2,
        "inter2": "2",
        "interaction": "12",
        "iso": "466",
        "region": "Western Africa",
        "country": "Mali",
        "admin1": town,
        "admin2": town,
        "location": town,
        "latitude": str(lat),
        "longitude": str(lon),
        "geo_precision": "1",
        "source": "Synthetic source",
        "source_scale": "National",
        "notes": "Synthetic event for a test.",
        "fatalities": str(fatalities),
        "timestamp": "1743700000",
    }
    return [values.get(c, "") for c in ACLED_COLUMNS]


def as_csv(rows, *, hxl=False) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(ACLED_COLUMNS)
    if hxl:
        writer.writerow(HXL)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def as_xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Mali"
    sheet.append(ACLED_COLUMNS)
    for row in rows:
        cells = [
            dt.datetime.fromisoformat(v) if c == "event_date" else (float(v) if c in (
                "latitude", "longitude") else (int(v) if c == "fatalities" else v))
            for c, v in zip(ACLED_COLUMNS, row, strict=True)
        ]  # fmt: skip
        sheet.append(cells)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


TWO_EVENTS = [
    acled_row("MLI100", "Synthetic Army", "Synthetic Group"),
    acled_row("MLI101", "Synthetic Group", "Civilians", town="Kayes", fatalities=5),
]


def test_hdx_copy_skips_the_hxl_row_with_a_note():
    result = read_incidents(as_csv(TWO_EVENTS, hxl=True), name="hdx.csv", today=TODAY)
    report = result.report
    assert (report.rows_in, report.rows_kept, report.n_rejected) == (2, 2, 0)
    assert any("HXL hashtags" in n and "skipped" in n for n in report.notes)
    assert result.incidents["source_row"].tolist() == [3, 4]  # the file's own row numbers
    assert result.incidents["fatalities"].sum() == 7


def test_acled_xlsx_reads_like_the_csv_in_the_sandbox():
    from_csv = ingest_upload(as_csv(TWO_EVENTS), name="mali.csv", today=TODAY).incidents
    from_xlsx = ingest_upload(as_xlsx(TWO_EVENTS), name="mali.xlsx", today=TODAY)
    assert from_xlsx.report.format == "xlsx"
    assert "Excel sheet 'Mali'" in from_xlsx.report.notes
    columns = ["event_id", "event_date", "fatalities", "actor1", "actor2", "category"]
    assert from_xlsx.incidents[columns].equals(from_csv[columns])
    assert from_xlsx.incidents.geometry.geom_equals(from_csv.geometry).all()


def test_dyadic_rows_merge_into_one_event_listing_both_actors():
    rows = [
        acled_row("MLI200", "Synthetic Army", "Synthetic Group A"),
        acled_row("MLI200", "Synthetic Army", "Synthetic Group B"),
        acled_row("MLI201", "Synthetic Group A", "Civilians", town="Kayes", fatalities=5),
    ]
    result = read_incidents(as_csv(rows), name="dyadic.csv", today=TODAY)
    report = result.report
    assert report.n_rejected == 0
    assert not [i for i in report.issues if "repeats the event id" in i.reason]
    assert result.incidents["event_id"].tolist() == ["MLI200", "MLI201"]
    assert result.incidents["actor2"].tolist() == [
        "Synthetic Group A; Synthetic Group B",
        "Civilians",
    ]
    assert result.incidents["fatalities"].tolist() == [2, 5]  # not doubled
    assert any("dyadic export: 2 rows" in n and "1 event" in n for n in report.notes)


def test_a_true_duplicate_is_still_rejected():
    rows = [
        acled_row("MLI300", "Synthetic Army", "Synthetic Group"),
        acled_row("MLI300", "Synthetic Army", "Synthetic Group", fatalities=9),
    ]
    result = read_incidents(as_csv(rows), name="dup.csv", today=TODAY)
    assert result.report.n_rejected == 1
    assert "repeats the event id of row 2" in result.report.issues[0].reason


@pytest.mark.parametrize("name", ["mali.xlsx"])
def test_xlsx_with_a_missing_sheet_is_one_clear_line(name):
    from geo.errors import InputFileError

    with pytest.raises(InputFileError, match=r"has no sheet 'Gao'; its sheets: \['Mali'\]"):
        read_incidents(as_xlsx(TWO_EVENTS), name=name, layer="Gao", today=TODAY)
