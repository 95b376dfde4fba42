"""Measure Gi*'s power and size on the bundled UCDP GED Mali events, per inference and value.

Power: on windows where the central Mali (Mopti) cercles hold a clear cluster,
how many cercles each setting maps hot or cold at FDR 0.05. Size: the same
events with the cercle counts randomly permuted across the cercles (no spatial
structure; ``--seeds`` seeds), the share of cercle-runs mapped hot or cold.
Precise events of the UCDP source only, 50 cercles (geoBoundaries ADM2),
binary queen weights with self (METHODS.md §1). The figures are quoted in
:func:`geo.gistar.gistar`'s Notes and the README ("Gi* inference").

Run from the repository root: ``python -m scripts.gistar_evidence [--seeds 20]``.
"""

from __future__ import annotations

import argparse

import numpy as np

from geo.admin import aggregate_admin
from geo.gistar import gistar
from geo.io.incidents import load_bundled_incidents
from geo.pipeline import load_context, prepare_incidents
from geo.settings import DEFAULTS

#: Windows with a clear central Mali cluster in the UCDP extract.
WINDOWS: tuple[tuple[str, str], ...] = (
    ("2018-01-01", "2018-12-31"),
    ("2019-01-01", "2019-12-31"),
    ("2020-01-01", "2020-07-31"),
)
SETTINGS: tuple[tuple[str, str], ...] = (
    ("analytical", "counts"),
    ("permutation", "counts"),
    ("analytical", "rate"),
    ("permutation", "rate"),
)


def main() -> None:
    """Print one line per window and setting: hot/cold on the data, % significant on the null."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="null permutations (default 20)")
    args = parser.parse_args()
    context = load_context()
    assigned = prepare_incidents(load_bundled_incidents().incidents, context)
    events = assigned[(assigned["source"] == "ucdp") & assigned["precise"].astype(bool)]
    print("window | setting | events | hot (cercles) | cold | null: % significant, per seed")
    for start, end in WINDOWS:
        units = aggregate_admin(events, context.admin2, level=2, start=start, end=end)
        counts = units["incidents"].to_numpy()
        for inference, value in SETTINGS:
            kw = {"value_col": "incidents", "inference": inference, "value": value}
            real = gistar(units, **kw, seed=DEFAULTS.gistar_seed)
            hot = real.loc[real["gistar_class"] == "hot", "name"].tolist()
            cold = int((real["gistar_class"] == "cold").sum())
            per_seed = []
            for seed in range(args.seeds):
                shuffled = units.assign(incidents=np.random.default_rng(seed).permutation(counts))
                null = gistar(shuffled, **kw, seed=seed)
                per_seed.append(int(null["gistar_class"].isin(["hot", "cold"]).sum()))
            share = 100 * sum(per_seed) / (len(units) * args.seeds)
            print(
                f"{start}..{end} | {inference} {value} | {int(counts.sum())} | {len(hot)} "
                f"({', '.join(hot)}) | {cold} | {share:.1f} % ({'/'.join(map(str, per_seed))})"
            )


if __name__ == "__main__":
    main()
