"""Regenerate the golden outputs: ``python -m tests.golden [CASE ...]`` (all by default)."""

import logging
import sys

from tests.golden.cases import CASES, EXPECTED, expected_path, run_case

logging.basicConfig(level=logging.WARNING)
names = sys.argv[1:] or list(CASES)
unknown = sorted(set(names) - set(CASES))
if unknown:
    sys.exit(f"unknown case(s) {unknown}; known: {', '.join(CASES)}")
EXPECTED.mkdir(exist_ok=True)
for name in names:
    for old in EXPECTED.glob(f"{name}.*csv"):
        if old.name == f"{name}.csv" or old.name.startswith(f"{name}."):
            old.unlink()
    for table, text in run_case(name).items():
        expected_path(name, table).write_text(text, encoding="utf-8")
    print(f"wrote {name}")
