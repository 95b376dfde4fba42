"""SECURITY.md 4.2, cases K: sessions and configuration: caches, secrets, the access gate.

One test (or more) per case id, named ``test_<id>_...``; docs/SECURITY-CASES.md maps
every id to its test. Hostile uploads go through :func:`geo.io.ingest.ingest_upload`.
"""

from __future__ import annotations

import subprocess

from tests.security.helpers import REPO, _config, _ui_files


def test_k04_k08_browser_facing_settings():
    from streamlit import config

    defaults = config._config_options_template
    assert defaults["client.showErrorDetails"].default_val == "full"  # the stack's default
    cfg = _config()
    assert cfg["server"]["enableCORS"] is True
    assert cfg["server"]["enableXsrfProtection"] is True
    assert cfg["server"]["address"] == "127.0.0.1"
    assert cfg["client"]["showErrorDetails"] == "none"
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["server"].get("enableAgentApi", False) is False
    static = REPO / "static"
    assert not any(p.suffix in (".toml", ".csv", ".gpkg", ".geojson") for p in static.rglob("*"))


def test_k05_allowed_hosts_set():
    assert _config()["server"].get("allowedHosts")


def test_k03_no_module_global_mutation_in_app_ui_layers():
    import ast

    problems = []
    for path in [*_ui_files(), *sorted((REPO / "layers").glob("*.py"))]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        mutable = {
            t.id
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign)
            and isinstance(node.value, ast.List | ast.Dict | ast.Set | ast.Call)
            and not (isinstance(node.value, ast.Call) and "frozen" in ast.unparse(node.value.func))
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(t, ast.Name)
        }
        for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, ast.Global | ast.Nonlocal):
                    problems.append(f"{path.name}:{node.lineno} {type(node).__name__}")
                target = None
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    if node.func.attr in {"append", "extend", "update", "add", "pop", "clear",
                                          "setdefault", "insert", "remove", "discard"}:  # fmt: skip
                        target = node.func.value
                elif isinstance(node, ast.Assign | ast.AugAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    target = next((t.value for t in targets if isinstance(t, ast.Subscript)), None)
                if isinstance(target, ast.Name) and target.id in mutable:
                    local = {a.arg for a in fn.args.args + fn.args.kwonlyargs}
                    assigned = {
                        t.id
                        for n in ast.walk(fn)
                        if isinstance(n, ast.Assign)
                        for t in n.targets
                        if isinstance(t, ast.Name)
                    }
                    if target.id not in local | assigned:
                        problems.append(f"{path.name}:{node.lineno} mutates global {target.id}")
        # st.cache_resource hands every caller the same object: allowed only with
        # scope="session" (one object per session, dropped when it disconnects).
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "cache_resource":
                call = next(
                    (c for c in ast.walk(tree) if isinstance(c, ast.Call) and c.func is node),
                    None,
                )
                scopes = (
                    [ast.unparse(k.value) for k in call.keywords if k.arg == "scope"]
                    if call
                    else []
                )
                if scopes != ["'session'"]:
                    problems.append(
                        f"{path.name}:{node.lineno} st.cache_resource without scope='session'"
                        " (a mutable object shared between sessions)"
                    )
    assert problems == []


def test_k10_secrets_not_in_git_not_served_not_logged():
    assert ".streamlit/secrets.toml" in (REPO / ".gitignore").read_text().splitlines()
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    assert not [p for p in tracked if p.endswith("secrets.toml")]
    access = (REPO / "ui" / "access.py").read_text(encoding="utf-8")
    for line in access.splitlines():
        if "log." in line:
            assert "password)" not in line and "digest)" not in line


def test_k06_app_calls_the_access_gate_before_any_data():
    import ast

    tree = ast.parse((REPO / "app.py").read_text(encoding="utf-8"))
    calls = [ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)]
    gate = next(i for i, name in enumerate(calls) if name.endswith("require_access"))
    data = [i for i, name in enumerate(calls) if name.startswith(("data.", "state."))]
    assert gate < min(data)
