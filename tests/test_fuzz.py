"""Bounded fuzz smoke (SECURITY.md F07): malformed files give InputFileError, never anything else.

Seeds are the SYNTHETIC reader fixtures (tests/fixtures/incidents) and small
GeoJSON, GeoPackage and zipped-shapefile files built here at the OSM town points
of Bamako and Kayes. Hypothesis mutates their bytes (flips, cuts, splices,
inserted tokens such as quotes, delimiters, NUL, BOMs, magic numbers) or, for
GeoJSON, their structure (values replaced by odd JSON). CSV and GeoJSON run
through :func:`geo.io.incidents.read_incidents` in this process (their parsing is
Python's before GDAL sees a re-serialised file); every format runs, fewer
times, through :func:`geo.io.ingest.ingest_upload`, whose worker may crash
without harming this process.

Sizes: ``RISKMAP_FUZZ_EXAMPLES`` (default 200 per in-process format) and
``RISKMAP_FUZZ_WORKER_EXAMPLES`` (default 20 through the worker, the four formats
mixed; about 0.5 s each). The full F07 run (2,000 per format through the worker,
about an hour on 2 cores) is
``RISKMAP_FUZZ_WORKER_EXAMPLES=8000 python -m pytest tests/test_fuzz.py -k worker``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import os
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.errors import InputFileError
from geo.io.incidents import read_incidents
from geo.io.ingest import ingest_upload
from geo.schema import CANONICAL_COLUMNS

FIX = Path(__file__).parent / "fixtures" / "incidents"
TODAY = dt.date(2026, 1, 1)
N_LOCAL = int(os.environ.get("RISKMAP_FUZZ_EXAMPLES", "200"))
N_WORKER = int(os.environ.get("RISKMAP_FUZZ_WORKER_EXAMPLES", "20"))

CSV_SEEDS = {p.name: p.read_bytes() for p in sorted(FIX.glob("*.csv"))}
GEOJSON_SEED = json.dumps(
    {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"id": "FZ-1", "date": "2025-04-03", "notes": "Synthetic"},
                "geometry": {"type": "Point", "coordinates": [-8.00034, 12.64932]},
            },
            {
                "type": "Feature",
                "properties": {"id": "FZ-2", "date": "03-04-2025", "deaths": "2 (est.)"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[-11.5, 14.4], [-11.4, 14.4], [-11.4, 14.5], [-11.5, 14.4]]],
                },
            },
        ],
    }
).encode()

TOKENS = [
    b'"',
    b",",
    b";",
    b"\t",
    b"\n",
    b"\r",
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xc3",
    b"<",
    b"<OGRVRTDataSource>",
    b"PK\x03\x04",
    b"SQLite format 3\x00",
    b"{",
    b"}",
    b"[",
    b"]",
    b"NaN",
    b"-inf",
    b"1e308",
    b"99999999999999999999",
    b"-0",
    b"=1+1",
    b"{{7*7}}",
    b"\xe2\x80\xae",
    b"12,65",
    b"2023-02-30",
]


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """Apply 1-4 byte-level mutations to ``seed``."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "splice", "truncate", "token"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif op == "splice":
            end = min(len(data), at + draw(st.integers(1, 64)))
            data[at:at] = data[at:end] * draw(st.integers(1, 3))
        elif op == "truncate":
            del data[at:]
        else:
            data[at:at] = draw(st.sampled_from(TOKENS))
    return bytes(data)


ODD_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def mutated_geojson(draw: st.DrawFn) -> bytes:
    """Replace 1-3 values anywhere in the GeoJSON seed by odd JSON, or drop keys."""
    obj = json.loads(GEOJSON_SEED)
    for _ in range(draw(st.integers(1, 3))):
        node, path = obj, []
        while isinstance(node, dict | list) and node and draw(st.booleans()):
            key = draw(st.sampled_from(list(node) if isinstance(node, dict) else range(len(node))))
            path.append((node, key))
            node = node[key]
        if not path:
            continue
        parent, key = path[-1]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[key]
        else:
            parent[key] = draw(ODD_JSON)
    return json.dumps(obj).encode()


def _check(result) -> None:
    gdf, report = result
    assert list(gdf.columns) == list(CANONICAL_COLUMNS)
    assert report.rows_kept == len(gdf)
    assert report.rows_in == report.rows_kept + report.n_rejected
    if len(gdf):
        assert gdf.crs == "EPSG:4326"
        assert np.isfinite(shapely.get_x(gdf.geometry.values)).all()
        assert (gdf["fatalities"] >= 0).all()


def _one(data: bytes, name: str, *, worker: bool) -> None:
    read = ingest_upload if worker else read_incidents
    try:
        result = read(data, name=name, today=TODAY)
    except InputFileError as exc:
        assert str(exc).strip(), "an InputFileError without a message"
        return
    _check(result)


LOCAL = settings(
    max_examples=N_LOCAL,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
WORKER = settings(
    max_examples=N_WORKER,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@LOCAL
@given(data=st.sampled_from(sorted(CSV_SEEDS)).flatmap(lambda n: mutated(CSV_SEEDS[n])))
def test_f07_mutated_csv_in_process(data):
    _one(data, "fuzz.csv", worker=False)


@LOCAL
@given(data=mutated_geojson() | mutated(GEOJSON_SEED))
def test_f07_mutated_geojson_in_process(data):
    _one(data, "fuzz.geojson", worker=False)


def _vector_seeds() -> dict[str, bytes]:
    import tempfile

    gdf = gpd.GeoDataFrame(
        {"id": ["FZ-1", "FZ-2"], "date": ["2025-04-03", "2025-04-04"], "notes": ["Ségou", "x"]},
        geometry=[shapely.Point(-8.00034, 12.64932), shapely.Point(-11.43793, 14.44341)],
        crs=4326,
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pyogrio.write_dataframe(gdf, folder / "s.gpkg", layer="events")
        pyogrio.write_dataframe(gdf, folder / "s.shp")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                zf.write(folder / f"s{ext}", f"s{ext}")
        return {"s.gpkg": (folder / "s.gpkg").read_bytes(), "s.zip": buf.getvalue()}


VECTOR_SEEDS = _vector_seeds()


@WORKER
@given(
    case=st.sampled_from(["fuzz.csv", "fuzz.geojson", "s.gpkg", "s.zip"]).flatmap(
        lambda name: st.tuples(
            st.just(name),
            mutated(
                VECTOR_SEEDS.get(name)
                or (GEOJSON_SEED if name.endswith("geojson") else CSV_SEEDS["acled_2023.csv"])
            ),
        )
    )
)
def test_f07_mutated_files_through_the_worker(case):
    name, data = case
    _one(data, name, worker=True)


@pytest.mark.parametrize("name", sorted(CSV_SEEDS))
def test_seeds_themselves_read(name):
    _check(read_incidents(CSV_SEEDS[name], name=name, today=TODAY))


def test_geojson_seed_reads():
    result = read_incidents(GEOJSON_SEED, name="seed.geojson", today=TODAY)
    _check(result)
    assert result.report.rows_kept == 2 and not math.isnan(result.incidents.geometry.iat[0].x)
