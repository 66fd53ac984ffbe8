"""Cadastro simplificado: the entity's main fields and its Principal address, phone and
e-contact in one form; what it saw (version and Principal rows), what clashes with a save
made since, and how it is saved."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from isocrm import brdocs, phones
from isocrm.extensions import db
from isocrm.fields import optional_id, zip_code
from isocrm.models import Address, EContact, Entity, Phone
from isocrm.models.entity import KIND_PERSON
from isocrm.registry import service
from isocrm.registry.forms import QuickEditForm, econtact_value
from isocrm.registry.rows import optional_text
from isocrm.security import current_company

QUICK_GROUPS = (("address", "addresses"), ("phone", "phones"), ("econtact", "econtacts"))
QUICK_GROUP_LABELS = {
    "address": _l("Endereço principal"),
    "phone": _l("Telefone principal"),
    "econtact": _l("E-contact principal"),
}


def rows_seen(entity: Entity) -> str:
    """Which Principal rows (id and version) the form was filled from."""
    parts = []
    for key, attr in QUICK_GROUPS:
        row = next((r for r in getattr(entity, attr) if r.is_principal), None)
        parts.append(f"{key}:{row.id}:{row.version}" if row else f"{key}::")
    return ",".join(parts)


def quick_form(entity: Entity, formdata=None) -> QuickEditForm:
    form = QuickEditForm(formdata=formdata, prefix="cadastro")
    if formdata is not None:
        return form
    form.version.data = str(entity.version)
    form.rows_seen.data = rows_seen(entity)
    form.name.data = entity.name
    form.trade_name.data = entity.trade_name
    form.document.data = entity.document_display
    address, phone, econtact = (
        entity.principal_address,
        entity.principal_phone,
        entity.principal_econtact,
    )
    if address:
        for name in QuickEditForm.ADDRESS_FIELDS:
            form[name].data = getattr(address, name)
        if address.zip_code:
            form.zip_code.data = f"{address.zip_code[:5]}-{address.zip_code[5:]}"
    if phone:
        form.phone_kind.data, form.phone_number.data = phone.kind, phone.display
    if econtact:
        form.econtact_kind.data, form.econtact_value.data = econtact.kind, econtact.display
    return form


def quick_groups(form: QuickEditForm) -> dict:
    """The Principal address, phone and e-contact as the form asks for them (None: empty)."""
    address = None
    if form.address_filled():
        address = (
            zip_code(form.zip_code.data),
            form.street.data.strip(),
            optional_text(form.number.data),
            optional_text(form.complement.data),
            optional_text(form.district.data),
            form.city.data.strip(),
            form.state.data,
        )
    phone = econtact = None
    if optional_text(form.phone_number.data):
        phone = (form.phone_kind.data or "celular", phones.normalize(form.phone_number.data))
    if optional_text(form.econtact_value.data):
        kind = form.econtact_kind.data or "email"
        econtact = (kind, econtact_value(kind, form.econtact_value.data))
    return {"address": address, "phone": phone, "econtact": econtact}


def stored_groups(entity: Entity) -> dict:
    address, phone, econtact = (
        entity.principal_address,
        entity.principal_phone,
        entity.principal_econtact,
    )
    return {
        "address": (
            address.zip_code,
            address.street,
            address.number,
            address.complement,
            address.district,
            address.city,
            address.state,
        )
        if address
        else None,
        "phone": (phone.kind, phone.number) if phone else None,
        "econtact": (econtact.kind, econtact.value) if econtact else None,
    }


def quick_conflicts(form: QuickEditForm, entity: Entity) -> tuple[dict, list[str]]:
    """A save from a form older than the entity or its Principal rows: the entity's fields
    are merged as in Cadastro completo; a Principal row changed elsewhere and typed
    differently here is a clash (nothing saved, both shown)."""
    theirs = service.entity_values(entity)
    mine = dict(theirs)
    mine["name"] = form.name.data.strip()
    mine["trade_name"] = optional_text(form.trade_name.data)
    mine["document"] = brdocs.normalize(form.document.data or "") or None
    clashes = []
    seen_version = optional_id(form.version.data)
    if seen_version != entity.version:
        base = service.revision_values(db.session, entity.id, seen_version)
        merged = service.merge(base, mine, theirs)
        clashes += merged.clashes
        for key in ("name", "trade_name", "document"):
            if key not in merged.clashes:
                mine[key] = merged.values[key]
    if rows_seen(entity) != (form.rows_seen.data or ""):
        seen = dict(
            part.split(":", 1) for part in (form.rows_seen.data or "").split(",") if ":" in part
        )
        current = dict(part.split(":", 1) for part in rows_seen(entity).split(","))
        typed, stored = quick_groups(form), stored_groups(entity)
        for key, _attr in QUICK_GROUPS:
            if seen.get(key) != current[key] and typed[key] != stored[key]:
                clashes.append(key)
    return mine, clashes


# When emptying a Principal's fields removes it: whole sentences per kind (the nouns differ in
# other languages), with the row that is Principal now, if any.
REMOVED_NOTES = {
    "address": (
        _l("Endereço principal removido; agora o principal é %(text)s."),
        _l("Endereço principal removido."),
    ),
    "phone": (
        _l("Telefone principal removido; agora o principal é %(text)s."),
        _l("Telefone principal removido."),
    ),
    "econtact": (
        _l("E-contact principal removido; agora o principal é %(text)s."),
        _l("E-contact principal removido."),
    ),
}
MODELS = {"address": Address, "phone": Phone, "econtact": EContact}


def _principal_or_new(entity: Entity, key: str):
    """The entity's Principal address, phone or e-contact; a new one (the Principal) if none."""
    row = getattr(entity, f"principal_{key}")
    if row is None:
        row = MODELS[key]()
        service.add_row(db.session, getattr(entity, dict(QUICK_GROUPS)[key]), row, True)
    return row


def _remove_principal(entity: Entity, key: str) -> str:
    """Remove the Principal (the next one becomes the Principal) and say so."""
    rows = getattr(entity, dict(QUICK_GROUPS)[key])
    service.remove_row(db.session, rows, getattr(entity, f"principal_{key}"))
    now = getattr(entity, f"principal_{key}")
    replaced, removed = REMOVED_NOTES[key]
    if now is None:
        return str(removed)
    return str(replaced) % {"text": now.one_line if key == "address" else now.display}


def apply_quick_form(form: QuickEditForm, entity: Entity, values: dict) -> list[str]:
    """Save; an address, phone or e-contact whose fields were all emptied is removed (the
    next one becomes the Principal). Returns what to tell the attendant about it."""
    notes = []
    entity.name = values["name"]
    entity.trade_name = values["trade_name"]
    entity.document = values["document"]
    if form.address_filled():
        address = _principal_or_new(entity, "address")
        address.zip_code = zip_code(form.zip_code.data)
        address.street = form.street.data.strip()
        for name in ("number", "complement", "district"):
            setattr(address, name, optional_text(form[name].data))
        address.city = form.city.data.strip()
        address.state = form.state.data
    elif entity.principal_address is not None:
        notes.append(_remove_principal(entity, "address"))
    if optional_text(form.phone_number.data):
        phone = _principal_or_new(entity, "phone")
        phone.kind = form.phone_kind.data or "celular"
        phone.number = phones.normalize(form.phone_number.data)
    elif entity.principal_phone is not None:
        notes.append(_remove_principal(entity, "phone"))
    if optional_text(form.econtact_value.data):
        econtact = _principal_or_new(entity, "econtact")
        econtact.kind = form.econtact_kind.data or "email"
        econtact.value = econtact_value(econtact.kind, form.econtact_value.data)
    elif entity.principal_econtact is not None:
        notes.append(_remove_principal(entity, "econtact"))
    return notes


def document_error(form: QuickEditForm, entity: Entity) -> tuple:
    """(the other entity, message) when the CPF/CNPJ typed is another entity's; (None,
    message) when it is of the other kind (PF/PJ), which is changed in the Cadastro completo;
    (None, None) when it is fine."""
    duplicate = service.find_duplicate(
        db.session, current_company().id, form.document.data, entity.id
    )
    if duplicate is not None:
        return duplicate, _("Já existe uma entidade com este documento nesta Empresa.")
    document = brdocs.normalize(form.document.data or "")
    if not document or brdocs.kind_of(document) == entity.kind:
        return None, None
    if entity.kind == KIND_PERSON:
        return None, _(
            "Este documento é um CNPJ e o cadastro é de pessoa física: para mudar o tipo,"
            " use o Cadastro completo."
        )
    return None, _(
        "Este documento é um CPF e o cadastro é de pessoa jurídica: para mudar o"
        " tipo, use o Cadastro completo."
    )


def clash_context(form: QuickEditForm, entity: Entity, clashes: list[str]) -> dict:
    """409 of the Cadastro simplificado: which parts clash and what is saved in them now; the
    form takes the current version so the next Salvar keeps what was typed."""
    stored = stored_groups(entity)
    labels = [
        str(QUICK_GROUP_LABELS.get(key) or service.VALUE_LABELS.get(key, key)) for key in clashes
    ]
    now = {
        "phone": entity.principal_phone.display if stored["phone"] else None,
        "econtact": entity.principal_econtact.display if stored["econtact"] else None,
        "address": entity.principal_address.one_line if stored["address"] else None,
        "name": entity.name,
        "trade_name": entity.trade_name,
        "document": entity.document_display,
    }
    form.version.data = str(entity.version)
    form.rows_seen.data = rows_seen(entity)
    return {
        "conflict_message": _(
            "Outra pessoa (ou outra aba) salvou este cadastro enquanto você editava."
            " Nada foi salvo: confira %(fields)s (abaixo, o que está salvo agora) e"
            " clique em Salvar para manter o seu.",
            fields=", ".join(labels),
        ),
        "clash_lines": [
            (label, now.get(key) or _("(vazio)"))
            for label, key in zip(labels, clashes, strict=True)
        ],
    }
