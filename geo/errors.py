"""The small exception family that the app and the CLI catch at the edge."""

__all__ = [
    "RiskMapError",
    "InputFileError",
    "CRSError",
    "ParameterError",
    "InsufficientDataError",
    "ExportError",
]


class RiskMapError(Exception):
    """Base class of every error whose message is meant for the user."""


class InputFileError(RiskMapError, ValueError):
    """A file cannot be read: unknown format, unreadable, hostile or empty."""


class CRSError(RiskMapError, ValueError):
    """A layer has no CRS, or a geographic CRS where a metric one is required."""


class ParameterError(RiskMapError, ValueError):
    """An option is outside its allowed set or range."""


class InsufficientDataError(RiskMapError, ValueError):
    """Too few events (or units) for a statistic to mean anything."""


class ExportError(RiskMapError, OSError):
    """An export could not be written or verified; nothing was left behind."""
