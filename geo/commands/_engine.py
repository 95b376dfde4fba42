"""``--engine memory|dask`` and ``--workers N`` for ``join`` and ``hotspots``: where rows run.

``memory`` (the default) runs everything in this process. ``dask`` splits the
incidents into partitions (:func:`geo.batch.partition`) and runs the admin
assignment, the hex counts and the kernel density on them
(:mod:`geo.batch`), on a ``distributed.LocalCluster`` of ``--workers`` worker
processes started for the command on this machine (loopback, no dashboard)
and stopped after it. The answers equal the in-memory ones; what stays in
memory either way is the work on unit tables (Gi*, surge, emerging), which is
small whatever the number of incidents.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

import geopandas as gpd
from distributed import Client, LocalCluster

from geo.admin import assign_admin
from geo.batch import ENGINES, assign_admin_batch, hex_counts_batch, kde_grid_batch, partition
from geo.commands._options import Inputs
from geo.errors import ParameterError
from geo.hotspots import KDEResult
from geo.i18n import gettext_noop
from geo.pipeline import Context, Filters, Params, Selection, hex_table, kde_surface
from geo.settings import DEFAULTS

__all__ = ["Engine", "add_engine_arguments", "open_engine"]


def add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--engine`` and ``--workers`` to a command.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The command's parser.
    """
    parser.add_argument(
        "--engine",
        choices=list(ENGINES),
        default="memory",
        help=gettext_noop(
            "memory: one process; dask: admin assignment, hex counts and KDE on "
            "partitions, on a local cluster of --workers processes (same results) "
            "(default %(default)s)"
        ),
    )
    parser.add_argument(
        "--workers",
        type=int,
        help=gettext_noop(
            "--engine dask: worker processes of the local cluster (default: the cores)"
        ),
    )


@dataclass(frozen=True)
class Engine:
    """Runs the row-wise steps of a command in memory or on dask partitions.

    Attributes
    ----------
    name : str
        ``memory`` or ``dask`` (:data:`geo.batch.ENGINES`).
    partitions : int
        Row blocks of the dask path (``Settings.batch_partitions``, at least
        one per worker).
    """

    name: str = "memory"
    partitions: int = DEFAULTS.batch_partitions

    def assign(self, incidents: gpd.GeoDataFrame, layers: Context | Inputs) -> gpd.GeoDataFrame:
        """:func:`geo.admin.assign_admin` on ``layers``' units, or on partitions with dask.

        Parameters
        ----------
        incidents : GeoDataFrame
            Point incidents in EPSG:4326.
        layers : geo.pipeline.Context or geo.commands._options.Inputs
            Where ``admin1``, ``admin2``, ``countries`` and ``admin3`` come from.

        Returns
        -------
        GeoDataFrame
            :func:`geo.admin.assign_admin` (or :func:`geo.batch.assign_admin_batch`).
        """
        units = {
            "admin1": layers.admin1,
            "admin2": layers.admin2,
            "countries": layers.countries,
            "admin3": layers.admin3,
        }
        if self.name == "memory":
            return assign_admin(incidents, **units)
        return assign_admin_batch(partition(incidents, npartitions=self.partitions), **units)

    def hexes(self, selection: Selection, filters: Filters, params: Params) -> gpd.GeoDataFrame:
        """:func:`geo.pipeline.hex_table`, or the same counts added over partitions."""
        if self.name == "memory":
            return hex_table(selection, filters, params)
        return hex_counts_batch(
            partition(selection.window, npartitions=self.partitions),
            resolution=params.hex_resolution,
            include_imprecise=filters.include_imprecise,
        )

    def kde(
        self, selection: Selection, filters: Filters, params: Params
    ) -> tuple[KDEResult | None, str | None]:
        """:func:`geo.pipeline.kde_surface`, with dask the grids summed over partitions."""
        if self.name == "memory":
            return kde_surface(selection, filters, params)
        return kde_surface(selection, filters, params, grid=self._kde_on_partitions)

    def _kde_on_partitions(self, metric: gpd.GeoDataFrame, **options: object) -> KDEResult:
        return kde_grid_batch(partition(metric, npartitions=self.partitions), **options)


@contextlib.contextmanager
def open_engine(args: argparse.Namespace) -> Iterator[Engine]:
    """Yield the engine of ``--engine``; with dask, a local cluster runs while it is open.

    Parameters
    ----------
    args : argparse.Namespace
        ``engine`` and ``workers`` (:func:`add_engine_arguments`).

    Yields
    ------
    Engine
        In memory, or on dask partitions with a ``distributed.Client`` active.

    Raises
    ------
    ParameterError
        If ``--workers`` is given without ``--engine dask`` or is not positive.
    """
    engine, workers = getattr(args, "engine", "memory"), getattr(args, "workers", None)
    if workers is not None and (engine != "dask" or workers < 1):
        raise ParameterError(
            f"--workers {workers}: give a positive number of workers, with --engine dask."
        )
    if engine == "memory":
        yield Engine()
        return
    n = workers or os.cpu_count() or 1
    with (
        LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster),
    ):
        yield Engine("dask", max(n, DEFAULTS.batch_partitions))
