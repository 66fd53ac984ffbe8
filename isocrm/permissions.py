"""Which role may use which route, declared next to the route.

    @bp.get("/caixa-de-saida")
    @allow(ROLE_SUPERVISOR)      # supervisors and admins
    def outbox(): ...

The roles are ranked: atendente < supervisor < admin; a route allowed to a role is allowed
to the roles above it. A route without a declaration is for any logged-in user (atendente);
`check_route_role` runs on every request, after the login check, so a partial that htmx
asks for is refused exactly as its full page is.
"""

from collections.abc import Callable

from flask import abort, current_app, request
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


def minimum_role(endpoint: str | None) -> str:
    view = current_app.view_functions.get(endpoint) if endpoint else None
    return getattr(view, _ATTRIBUTE, ROLE_ATTENDANT)


def has_role(user, role: str) -> bool:
    return ROLE_RANK.get(getattr(user, "role", None), -1) >= ROLE_RANK[role]


def check_route_role():
    """before_request: 403 when the logged-in user's role is below the route's."""
    if not current_user.is_authenticated:
        return None
    if not has_role(current_user, minimum_role(request.endpoint)):
        abort(403, "Seu perfil não permite esta ação. Peça a um supervisor.")
    return None
