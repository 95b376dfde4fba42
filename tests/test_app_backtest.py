"""The About / Method view runs the backtest on request and the PDF export carries it (AppTest)."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

from streamlit.testing.v1 import AppTest

from ui.exports import export_bytes

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_about_runs_the_backtest_and_the_pdf_shows_it(tmp_path):
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.date_input(key="filters.date_range").set_value((date(2019, 1, 1), date(2019, 4, 30))).run()
    at.session_state["view.tab"] = "About / Data"
    at.run()
    at.button(key="about.backtest.run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    tables = [d.value for d in at.dataframe if "PAI at 5 %" in d.value.columns]
    assert tables and {"kde", "gistar", "last_period", "long_run"} <= set(tables[0]["method"])
    sentences = [m.value for m in at.markdown if "predicted best" in m.value]
    assert sentences and "3 origins from 2019-01-01" in sentences[0]

    stored = at.session_state["about.backtest"]
    assert stored[0].endswith("|2019-01-01|2019-04-30")
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(
        export_bytes(
            "pdf",
            _analysis_with(stored[1]),
            method="kde",
            measure="incidents",
            handling=None,
            share_safe=False,
        )
    )
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "How far to trust the maps (backtest)" in text and "predicted best" in text


def _analysis_with(result):
    import dataclasses

    from geo.io.incidents import load_bundled_incidents
    from geo.pipeline import Filters, Params, load_context, prepare_incidents, run_analysis

    context = load_context()
    read = load_bundled_incidents()
    start, end = date(2019, 1, 1), date(2019, 4, 30)
    analysis = run_analysis(
        prepare_incidents(read.incidents, context),
        read.report,
        Filters(start=start, end=end),
        Params(as_of=end),
        context=context,
    )
    return dataclasses.replace(analysis, backtest=result)
