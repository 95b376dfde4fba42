"""Optional access gate beyond localhost: a shared password, or a login plus an allowlist.

Configured in ``.streamlit/secrets.toml`` (never in git; see docs/SECURITY-CASES.md,
"Deploying beyond localhost")::

    [access]
    password_sha256 = "<hex sha256 of a long random passphrase>"   # optional
    allowed_emails = ["analyst@example.org"]                      # with [auth]

    [auth]            # Streamlit's OIDC login (st.login), optional
    redirect_uri = "https://risk.example.org/oauth2callback"
    cookie_secret = "..."
    client_id = "..."
    client_secret = "..."
    server_metadata_url = "https://idp.example.org/.well-known/openid-configuration"

* ``[auth]`` configured: the visitor must log in, and ``st.user.email`` must be
  in ``[access] allowed_emails`` (case-insensitive). ``st.login`` only
  authenticates: any account of the identity provider would get in without
  this check (SECURITY.md 1.9). An empty or missing allowlist admits nobody.
* ``[access] password_sha256`` configured: the visitor types the shared
  password; its SHA-256 is compared in constant time.
* Both configured: both are required. Neither (local use): the gate is open.

Roles (the team's incident log, issue 13): a **viewer** sees everything; only an
**editor** may add, correct, delete or import log records. A logged-in account
is an editor when it is listed in ``[access] editor_emails``; a visitor who typed
``[access] editor_password_sha256`` (instead of the shared password) is an editor.
Without a gate (local use) everyone is ``[access] default_role`` (``editor``
unless set to ``viewer``). A gate without any editor setting makes everyone a
viewer: writing is granted, never assumed.

:func:`require_access` runs at the top of ``app.py``, before any data loads; a
denied visitor gets a message and ``st.stop()``. ``/media`` download URLs are
not covered by any in-app check: put the app behind an authenticating reverse
proxy when that matters (SECURITY.md K07).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from typing import Any

import streamlit as st

from ui.lang import tr

__all__ = [
    "MAX_PASSWORD_ATTEMPTS",
    "ROLES",
    "access_settings",
    "can_edit",
    "current_user",
    "password_matches",
    "require_access",
    "role_for",
]

log = logging.getLogger(__name__)

#: Wrong passwords allowed per browser session before the form is locked.
MAX_PASSWORD_ATTEMPTS = 5

#: The roles, least privilege first.
ROLES: tuple[str, ...] = ("viewer", "editor")

_GRANTED = "access.password_ok"
_EDITOR_PASSWORD = "access.editor_password"
_FAILURES = "access.failures"


def access_settings(secrets: Mapping[str, Any]) -> tuple[str | None, frozenset[str] | None]:
    """Read the gate's configuration from the app's secrets.

    Parameters
    ----------
    secrets : Mapping
        ``st.secrets`` (any mapping in tests).

    Returns
    -------
    tuple
        ``(password_sha256, allowed_emails)``: the lower-case hex digest or
        None when no password is configured; the lower-cased allowlist when
        ``[auth]`` is configured (empty when the allowlist is missing), else None.

    Examples
    --------
    >>> access_settings({})
    (None, None)
    >>> access_settings({"auth": {"client_id": "x"}, "access": {"allowed_emails": ["A@x.org"]}})
    (None, frozenset({'a@x.org'}))
    """
    access = secrets.get("access") or {}
    digest = access.get("password_sha256") if isinstance(access, Mapping) else None
    digest = str(digest).strip().lower() if digest else None
    emails: frozenset[str] | None = None
    if secrets.get("auth"):
        listed = access.get("allowed_emails", ()) if isinstance(access, Mapping) else ()
        if isinstance(listed, str):
            listed = [listed]
        emails = frozenset(str(e).strip().lower() for e in listed if str(e).strip())
    return digest, emails


def password_matches(password: str, digest: str) -> bool:
    """Compare a typed password with a configured SHA-256 hex digest, in constant time.

    Parameters
    ----------
    password : str
        What the visitor typed.
    digest : str
        ``[access] password_sha256`` (hex, any case).

    Returns
    -------
    bool
        True when ``sha256(password)`` equals ``digest``.

    Examples
    --------
    >>> password_matches("correct horse", hashlib.sha256(b"correct horse").hexdigest())
    True
    >>> password_matches("wrong", hashlib.sha256(b"correct horse").hexdigest())
    False
    """
    typed = hashlib.sha256(password.encode("utf-8")).hexdigest()
    return hmac.compare_digest(typed.encode("ascii"), digest.strip().lower().encode("ascii"))


def role_for(
    secrets: Mapping[str, Any], *, email: str | None = None, editor_password: bool = False
) -> str:
    """Return the role of a visitor who passed the gate.

    Parameters
    ----------
    secrets : Mapping
        ``st.secrets`` (any mapping in tests).
    email : str, optional
        The logged-in account's e-mail (with ``[auth]``).
    editor_password : bool
        The visitor typed the editors' password.

    Returns
    -------
    str
        ``editor`` or ``viewer`` (see the module docstring).

    Examples
    --------
    >>> role_for({})
    'editor'
    >>> role_for({"access": {"default_role": "viewer"}})
    'viewer'
    >>> role_for({"access": {"password_sha256": "ab"}})
    'viewer'
    >>> role_for({"auth": {"client_id": "x"}, "access": {"editor_emails": ["A@x.org"]}},
    ...          email="a@x.org")
    'editor'
    """
    access = secrets.get("access") or {}
    access = access if isinstance(access, Mapping) else {}
    digest, emails = access_settings(secrets)
    gated = digest is not None or emails is not None or bool(access.get("editor_password_sha256"))
    if not gated:
        return "editor" if str(access.get("default_role", "editor")) == "editor" else "viewer"
    editors = access.get("editor_emails", ())
    if isinstance(editors, str):
        editors = [editors]
    if email and str(email).strip().lower() in {str(e).strip().lower() for e in editors}:
        return "editor"
    return "editor" if editor_password else "viewer"


def current_user() -> str | None:
    """Return the logged-in account's e-mail, or None without ``[auth]`` login."""
    try:
        user = st.user
        if user.get("is_logged_in", False):
            return str(user.get("email") or "").strip() or None
    except Exception:  # st.user outside an auth-configured app
        return None
    return None


def can_edit() -> bool:
    """Tell whether this session's visitor may write to the incident log."""
    role = role_for(
        _secrets(),
        email=current_user(),
        editor_password=st.session_state.get(_EDITOR_PASSWORD) is True,
    )
    return role == "editor"


def _secrets() -> Mapping[str, Any]:
    """Return the app's secrets, or an empty mapping when there is no secrets file."""
    try:
        return st.secrets.to_dict()
    except (FileNotFoundError, OSError, KeyError, ValueError):
        return {}
    except Exception as exc:  # StreamlitSecretNotFoundError and parse errors of secrets.toml
        if type(exc).__name__ == "StreamlitSecretNotFoundError":
            return {}
        raise


def _deny(message: str) -> None:
    t = tr()
    st.title(t.gettext("Sahel Risk Map"))
    st.error(message)
    st.stop()


def _check_login(allowed: frozenset[str]) -> None:
    t = tr()
    user = st.user
    if not user.get("is_logged_in", False):
        st.title(t.gettext("Sahel Risk Map"))
        st.info(t.gettext("Log in with your organisation's account to open the map."))
        st.button(t.gettext("Log in"), on_click=st.login, key="access.login")
        st.stop()
    email = str(user.get("email") or "").strip().lower()
    verified = user.get("email_verified", True)
    if not allowed:
        log.warning("[auth] is configured but [access] allowed_emails is empty: nobody can enter")
        _deny(
            t.gettext(
                "No account is allowed yet: the operator must list the allowed e-mail "
                "addresses under [access] allowed_emails in secrets.toml."
            )
        )
    if not email or email not in allowed or verified is False:
        log.warning("access denied to a logged-in account not on the allowlist")
        st.title(t.gettext("Sahel Risk Map"))
        st.error(
            t.gettext("This account is not allowed to open this map. Ask the operator for access.")
        )
        st.button(t.gettext("Log out"), on_click=st.logout, key="access.logout")
        st.stop()


def _check_password(digest: str) -> None:
    t = tr()
    state = st.session_state
    if state.get(_GRANTED) is True:
        return
    failures = int(state.get(_FAILURES, 0))
    if failures >= MAX_PASSWORD_ATTEMPTS:
        _deny(t.gettext("Too many wrong passwords. Close this tab and open the map again later."))
    st.title(t.gettext("Sahel Risk Map"))
    with st.form("access.form"):
        password = st.text_input(t.gettext("Password"), type="password", key="access.password")
        sent = st.form_submit_button(t.gettext("Open the map"))
    if sent and password:
        editor_digest = str(_secrets().get("access", {}).get("editor_password_sha256") or "")
        is_editor = bool(editor_digest) and password_matches(password, editor_digest)
        if is_editor or password_matches(password, digest):
            state[_GRANTED] = True
            state[_EDITOR_PASSWORD] = is_editor
            state.pop("access.password", None)
            st.rerun()
        state[_FAILURES] = failures + 1
        log.warning("wrong password for the access gate (attempt %d)", failures + 1)
        if failures + 1 >= MAX_PASSWORD_ATTEMPTS:
            st.rerun()
        st.error(t.gettext("Wrong password."))
    st.stop()


def require_access() -> None:
    """Stop the page unless the visitor may see it; call it before any data loads.

    Reads :func:`access_settings` from ``st.secrets``. With ``[auth]``
    configured the visitor must be logged in (``st.login``) with an e-mail in
    ``[access] allowed_emails``; with ``[access] password_sha256`` the shared
    password is asked once per session. With neither, nothing happens (local
    use on 127.0.0.1).

    Notes
    -----
    A denied visitor sees a message and the script stops (``st.stop()``):
    nothing after the call runs, so no data is read, cached or sent. Wrong
    passwords are counted per session (at most :data:`MAX_PASSWORD_ATTEMPTS`);
    a reverse proxy should rate-limit across sessions. The password and its
    digest are never logged.
    """
    secrets = _secrets()
    digest, allowed = access_settings(secrets)
    access = secrets.get("access") or {}
    editor_digest = access.get("editor_password_sha256") if isinstance(access, Mapping) else None
    if allowed is not None:
        _check_login(allowed)
    if digest or editor_digest:
        # Either password opens the map; the editors' one also allows writing the log.
        _check_password(str(digest or editor_digest))
