"""Which role may use which route, declared next to the route.

    @bp.get("/caixa-de-saida")
    @allow(ROLE_SUPERVISOR)      # supervisors and admins
    def outbox(): ...

The roles are ranked: atendente < supervisor < admin; a route allowed to a role is allowed
to the roles above it. Every route declares its role, the ordinary ones too
(`@allow(ROLE_ATTENDANT)`): tests/test_permissions.py fails for a route without one, so a
new route has to decide. At run time an undeclared route is for any logged-in user;
`check_route_role` runs on every request, after the login check, so a partial that htmx
asks for is refused exactly as its full page is.

A rule that depends on the record (another attendant's draft or e-mail) is checked in the
view with `require_role`, and templates hide what the user cannot use with `can(role)`.
"""

from collections.abc import Callable

from flask import Flask, abort, current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from isocrm.models.user import ROLE_ADMIN, ROLE_ATTENDANT, ROLE_SUPERVISOR

ROLE_RANK = {ROLE_ATTENDANT: 0, ROLE_SUPERVISOR: 1, ROLE_ADMIN: 2}
_ATTRIBUTE = "isocrm_minimum_role"


def allow(minimum_role: str) -> Callable:
    """Declare the lowest role that may use the decorated view."""
    if minimum_role not in ROLE_RANK:
        raise ValueError(f"unknown role {minimum_role!r}")

    def declare(view: Callable) -> Callable:
        setattr(view, _ATTRIBUTE, minimum_role)
        return view

    return declare


def declared_role(endpoint: str | None) -> str | None:
    """The role the route declares, None when it declares none (the test refuses that)."""
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, _ATTRIBUTE, None)


def minimum_role(endpoint: str | None) -> str:
    return declared_role(endpoint) or ROLE_ATTENDANT


def has_role(user, role: str) -> bool:
    return ROLE_RANK.get(getattr(user, "role", None), -1) >= ROLE_RANK[role]


# Who to ask, said in the 403 page: the lowest role that could do it.
_REFUSED = {
    ROLE_SUPERVISOR: _l(
        "Seu perfil não permite esta ação: ela é reservada a supervisores. Peça a um supervisor."
    ),
    ROLE_ADMIN: _l(
        "Seu perfil não permite esta ação: ela é reservada a administradores. "
        "Peça a um administrador."
    ),
}


def refused_message(role: str) -> str:
    """In the language of the user refused (the 403 page says it)."""
    return str(_REFUSED.get(role, _l("Seu perfil não permite esta ação.")))


def can(role: str) -> bool:
    """Whether the logged-in user has `role` or one above it (templates: `can('supervisor')`)."""
    return current_user.is_authenticated and has_role(current_user, role)


def require_role(role: str, message: str | None = None) -> None:
    """A rule that depends on the record: 403 (in Portuguese) unless the user has `role`."""
    if not can(role):
        abort(403, message or refused_message(role))


def check_route_role():
    """before_request: 403 when the logged-in user's role is below the route's."""
    if request.endpoint == "static":  # no user to load for a stylesheet
        return None
    if not current_user.is_authenticated:
        return None
    role = minimum_role(request.endpoint)
    if not has_role(current_user, role):
        abort(403, refused_message(role))
    return None


def init_app(app: Flask) -> None:
    app.jinja_env.globals["can"] = can
