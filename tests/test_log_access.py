"""Viewer and editor roles of the access gate (ui.access): who may write the incident log."""

from __future__ import annotations

import hashlib

from streamlit.testing.v1 import AppTest

ROLE_APP = """
import streamlit as st
from ui.access import can_edit, require_access
require_access()
st.text("editor" if can_edit() else "viewer")
"""
#: Synthetic test passphrases, not real ones.
SHARED = "synthetic shared passphrase for viewers"
EDITORS = "synthetic passphrase for editors"
AUTH = {
    "auth": {
        "client_id": "x",
        "client_secret": "y",
        "redirect_uri": "http://127.0.0.1/cb",
        "cookie_secret": "z",
        "server_metadata_url": "http://127.0.0.1/.well-known",
    }
}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _role(secrets: dict, *, password: str | None = None, user: dict | None = None) -> str:
    at = AppTest.from_string(ROLE_APP, default_timeout=60)
    at.secrets.update(secrets)
    if user is not None:
        at.user = user
    at.run()
    if password is not None:
        at.text_input(key="access.password").input(password)
        at.button[0].click()
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return next(t.value for t in at.text if t.value in ("editor", "viewer"))


def test_local_use_is_editor_unless_the_operator_says_viewer():
    assert _role({}) == "editor"
    assert _role({"access": {"default_role": "viewer"}}) == "viewer"


def test_the_shared_password_gives_a_viewer_and_the_editors_one_an_editor():
    secrets = {
        "access": {"password_sha256": _digest(SHARED), "editor_password_sha256": _digest(EDITORS)}
    }
    assert _role(secrets, password=SHARED) == "viewer"
    assert _role(secrets, password=EDITORS) == "editor"


def test_a_login_is_an_editor_only_when_listed():
    secrets = {
        **AUTH,
        "access": {
            "allowed_emails": ["a@example.org", "b@example.org"],
            "editor_emails": ["B@example.org"],
        },
    }
    user = {"is_logged_in": True, "email_verified": True}
    assert _role(secrets, user={**user, "email": "a@example.org"}) == "viewer"
    assert _role(secrets, user={**user, "email": "b@example.org"}) == "editor"
