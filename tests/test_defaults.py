"""Settings is the only source of defaults: public signatures in geo/ are checked against it.

Every public function, method and dataclass of ``geo`` is read from its source:

* a default whose parameter name is a :class:`geo.settings.Settings` field must
  equal that field (``buffer_km=25.0`` cannot drift from ``DEFAULTS.buffer_km``);
* a default written as a numeric literal (``alpha=0.05``) is refused unless
  :data:`ALLOWED` says why that number is not a setting: take it from
  ``DEFAULTS`` instead (``alpha=DEFAULTS.gistar_alpha``).
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import pkgutil
from collections.abc import Mapping

import geo
from geo.settings import DEFAULTS, Settings

FIELDS = {f.name for f in dataclasses.fields(Settings)}

_DISPLAY = "display or formatting choice (sizes, digits, counts of rows shown), not an analysis"
_LIMIT = "security limit of the sandboxed reader, documented with IngestLimits (SECURITY.md)"
#: "module.function.parameter" -> why its numeric literal default is not a setting.
ALLOWED: dict[str, str] = {
    "geo.checks.check_positive.minimum": "the lower bound of a check, part of its meaning",
    "geo.export.pdf.styles.fmt_num.digits": _DISPLAY,
    "geo.export.pdf.styles.data_table.repeat": _DISPLAY,
    "geo.export.pdf.changes.categories_picture.width_px": _DISPLAY,
    "geo.export.pdf.plan.plan_picture.width_px": _DISPLAY,
    "geo.export.png.render_map_png.width_px": _DISPLAY,
    "geo.export.png.export_png.width_px": _DISPLAY,
    "geo.export.png.cartography.halo.width": _DISPLAY,
    "geo.hotspots.kde_overlay.floor_fraction": _DISPLAY,
    "geo.hotspots.kde_overlay.max_alpha": _DISPLAY,
    "geo.i18n.Translator.number.digits": _DISPLAY,
    "geo.palette.marker_svg.size_px": _DISPLAY,
    "geo.palette.class_breaks.n_classes": _DISPLAY,
    "geo.palette.classify.n_classes": _DISPLAY,
    "geo.palette.format_number.digits": _DISPLAY,
    "geo.briefing.format_since.n": _DISPLAY,
    "geo.sites.format_site_summary.n": _DISPLAY,
    "geo.route_report.worst_stretches.n": _DISPLAY,
    "geo.route_report.route_summary.n_stretches": _DISPLAY,
    "geo.route_report.route_report.n_stretches": _DISPLAY,
    **{
        f"geo.io.containers.IngestLimits.{name}": _LIMIT
        for name in ("max_zip_members", "max_zip_ratio", "cpu_s", "wall_s")
    },
}


def _modules() -> list[str]:
    names = ["geo"]
    for info in pkgutil.walk_packages(geo.__path__, prefix="geo."):
        if not info.name.endswith("__main__"):
            names.append(info.name)
    return names


def _is_number(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    )


def _signature_defaults(fn: ast.FunctionDef) -> list[tuple[str, ast.AST]]:
    args = fn.args
    positional = [*args.posonlyargs, *args.args]
    pairs = list(zip([a.arg for a in positional[len(positional) - len(args.defaults) :]],
                     args.defaults, strict=True))  # fmt: skip
    pairs += [(a.arg, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d]
    return pairs


def _public_defaults(tree: ast.Module) -> list[tuple[str, str, ast.AST]]:
    """(qualified name, parameter, default node) of every public signature in a module."""
    out = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            out += [(node.name, p, d) for p, d in _signature_defaults(node)]
        elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and (
                    item.name == "__init__" or not item.name.startswith("_")
                ):
                    qual = f"{node.name}.{item.name}"
                    out += [(qual, p, d) for p, d in _signature_defaults(item)]
                elif (
                    isinstance(item, ast.AnnAssign)
                    and item.value is not None
                    and isinstance(item.target, ast.Name)
                    and node.name != "Settings"
                ):
                    out.append((node.name, item.target.id, item.value))
    return out


def _runtime_default(module, qual: str, param: str) -> object:
    obj = module
    for part in qual.split("."):
        obj = getattr(obj, part)
    if inspect.isclass(obj) and dataclasses.is_dataclass(obj):
        field = next(f for f in dataclasses.fields(obj) if f.name == param)
        if field.default is not dataclasses.MISSING:
            return field.default
        return field.default_factory()  # type: ignore[misc]
    if inspect.isclass(obj):
        return getattr(obj, param)
    return inspect.signature(obj).parameters[param].default


def _problems() -> list[str]:
    problems = []
    for modname in _modules():
        module = importlib.import_module(modname)
        tree = ast.parse(inspect.getsource(module))
        for qual, param, node in _public_defaults(tree):
            where = f"{modname}.{qual}.{param}"
            if param in FIELDS:
                value = _runtime_default(module, qual, param)
                want = getattr(DEFAULTS, param)
                if isinstance(want, Mapping) and isinstance(value, tuple):
                    value = dict(value)  # a hashable copy of a mapping setting
                if value is not None and value != want:
                    problems.append(f"{where}={value!r} but Settings.{param}={want!r}")
            elif _is_number(node) and where not in ALLOWED:
                problems.append(f"{where}={ast.unparse(node)} is a numeric literal default")
    return problems


def test_public_defaults_come_from_settings():
    problems = _problems()
    assert not problems, "defaults outside Settings:\n" + "\n".join(problems)


def test_a_literal_default_is_caught():
    """The check finds a default written as a number (a deliberately broken signature)."""
    tree = ast.parse("def f(x, *, alpha=0.05, buffer_km=1.0):\n    return x\n")
    found = [(q, p) for q, p, d in _public_defaults(tree) if _is_number(d)]
    assert found == [("f", "alpha"), ("f", "buffer_km")]


def test_every_allowed_literal_has_a_reason_and_is_still_there():
    found = set()
    for modname in _modules():
        tree = ast.parse(inspect.getsource(importlib.import_module(modname)))
        found |= {f"{modname}.{q}.{p}" for q, p, d in _public_defaults(tree) if _is_number(d)}
    assert sorted(set(ALLOWED) - found) == [], "ALLOWED lists defaults that are gone"
    assert all(len(reason) > 20 for reason in ALLOWED.values())
