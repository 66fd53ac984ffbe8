"""CEP and CNPJ lookups while the attendant types (htmx partials next to the field)."""

from flask import render_template, request, url_for
from wtforms.validators import ValidationError

from isocrm import brdocs
from isocrm.fields import zip_code
from isocrm.permissions import ROLE_ATTENDANT, allow
from isocrm.registry import bp, lookups

# What htmx asks with: the field's own value, a moment after the attendant stops typing.
_TRIGGER = "input changed delay:400ms"


def _field_value() -> str:
    """The value of the field the page names in `campo` (its name varies: zip_code,
    novo-endereco-zip_code, endereco-12-zip_code…)."""
    name = request.args.get("campo", "")[:80]
    return request.args.get(name, "")[:40] if name else ""


def _lookup_attrs(field, endpoint: str, **params) -> dict:
    return {
        "data-hx-get": url_for(endpoint, campo=field.name, **params),
        "data-hx-trigger": _TRIGGER,
        "data-hx-target": f"#{field.id}-lookup",
        "data-hx-swap": "innerHTML",
        "data-hx-sync": "this:replace",
    }


@bp.app_template_global("cep_lookup_attrs")
def cep_lookup_attrs(field) -> dict:
    """htmx attributes of a CEP input; none when no provider is configured."""
    if not lookups.cep_enabled():
        return {}
    return _lookup_attrs(field, "registry.cep_lookup")


@bp.app_template_global("cnpj_lookup_attrs")
def cnpj_lookup_attrs(field, with_address: bool = True) -> dict:
    """htmx attributes of a CPF/CNPJ input; none when no provider is configured."""
    if not lookups.cnpj_enabled():
        return {}
    return _lookup_attrs(field, "registry.cnpj_lookup", endereco=1 if with_address else 0)


@bp.app_template_global("lookups_enabled")
def lookups_enabled() -> bool:
    return lookups.cep_enabled() or lookups.cnpj_enabled()


@bp.get("/entidades/consulta/cep")
@allow(ROLE_ATTENDANT)
def cep_lookup():
    """The address of the CEP being typed, to fill Logradouro, Bairro, Cidade and UF."""
    typed = _field_value().strip()
    digits = "".join(c for c in typed if c.isdigit())
    result, message = None, None
    if lookups.cep_enabled() and len(digits) == 8:
        try:
            cep = zip_code(typed)
        except ValidationError as error:
            message = str(error)
        else:
            result = lookups.lookup_cep(cep)
    return render_template("registry/_cep_lookup.html", result=result, message=message)


@bp.get("/entidades/consulta/cnpj")
@allow(ROLE_ATTENDANT)
def cnpj_lookup():
    """What the provider knows of the CNPJ being typed, offered with "Usar estes dados"."""
    document = brdocs.normalize(_field_value())
    result = None
    if lookups.cnpj_enabled() and len(document) == 14 and brdocs.is_valid_cnpj(document):
        result = lookups.lookup_cnpj(document)
    return render_template(
        "registry/_cnpj_lookup.html",
        result=result,
        document=brdocs.format_cnpj(document) if result else "",
        with_address=request.args.get("endereco") != "0",
    )
