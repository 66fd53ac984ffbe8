"""LGPD screen: find a titular by CPF/CNPJ, download what is held, anonymise."""

import io
import json
import zipfile

from flask import current_app, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from isocrm import csvexport
from isocrm.extensions import db
from isocrm.htmx import render
from isocrm.loaders import get_entity
from isocrm.models import Entity
from isocrm.models.base import utcnow
from isocrm.models.user import ROLE_SUPERVISOR
from isocrm.permissions import allow
from isocrm.privacy import bp, queries, service
from isocrm.privacy.forms import AnonymizeForm, DocumentSearchForm
from isocrm.security import current_company

EXPORT_FORMAT = "isocrm-lgpd/1"
STALE_MESSAGE = _l(
    "O cadastro do titular foi alterado por outra pessoa enquanto isso: nada foi anonimizado. "
    "Confira e confirme de novo."
)


@bp.get("/")
@allow(ROLE_SUPERVISOR)
def index():
    """Find a titular of the current Empresa by CPF/CNPJ."""
    form = DocumentSearchForm(request.args)
    entity, searched = None, "documento" in request.args
    status = 200
    if searched:
        if form.validate():
            entity = queries.find_by_document(current_company().id, form.document)
            if entity is not None:
                return redirect(url_for("privacy.entity", entity_id=entity.id))
            status = 404
        else:
            status = 422
    return render("privacy/index.html", form=form, searched=searched, status=status)


def _load(entity_id: int) -> Entity:
    return get_entity(entity_id, *queries.entity_options())


def _entity_page(entity: Entity, form: AnonymizeForm, status: int = 200):
    return render(
        "privacy/entity.html",
        entity=entity,
        form=form,
        anonymized=service.is_anonymized(entity),
        status=status,
    )


@bp.get("/entidades/<int:entity_id>")
@allow(ROLE_SUPERVISOR)
def entity(entity_id: int):
    return _entity_page(_load(entity_id), AnonymizeForm(formdata=None))


def _document(entity: Entity) -> dict:
    company = current_company()
    return {
        "formato": EXPORT_FORMAT,
        "gerado_em": utcnow().isoformat(),
        "gerado_por": current_user.name,
        "empresa": {"nome": company.name, "cnpj": company.document},
        "titular_id": entity.id,
        "tipos": queries.KINDS,
        "dados": queries.collect(db.session, entity),
    }


def _filename(entity: Entity, extension: str) -> str:
    return f"lgpd-titular-{entity.id}-{utcnow():%Y%m%d}.{extension}"


def _download(body: bytes, mimetype: str, filename: str):
    response = make_response(body)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _log_export(entity: Entity, kind: str) -> None:
    # An export hands personal data out of the system: who took what, and when.
    current_app.logger.info(
        "LGPD export (%s) of entity %s by user %s", kind, entity.id, current_user.id
    )


@bp.get("/entidades/<int:entity_id>/dados.json")
@allow(ROLE_SUPERVISOR)
def export_json(entity_id: int):
    entity = _load(entity_id)
    body = json.dumps(_document(entity), ensure_ascii=False, indent=2)
    _log_export(entity, "json")
    return _download(body.encode("utf-8"), "application/json", _filename(entity, "json"))


def _csv(rows: list[dict]) -> bytes:
    """One kind as the spreadsheet a Brazilian desk opens (see isocrm.csvexport)."""
    return csvexport.to_bytes(list(rows[0]), [list(row.values()) for row in rows])


@bp.get("/entidades/<int:entity_id>/dados.zip")
@allow(ROLE_SUPERVISOR)
def export_csv(entity_id: int):
    """One CSV per kind in a zip: each kind has its own columns, so a single sheet with a
    "tipo" column would be mostly empty cells and hard to read; LEIA-ME.txt lists them all,
    including the kinds with nothing held."""
    entity = _load(entity_id)
    document = _document(entity)
    buffer = io.BytesIO()
    readme = [
        f"Dados do titular #{entity.id} em {document['empresa']['nome']}",
        f"Gerado em {document['gerado_em']} por {document['gerado_por']}.",
        "",
    ]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, (kind, label) in enumerate(queries.KINDS.items(), start=1):
            rows = document["dados"][kind]
            name = f"{number:02d}-{kind}.csv"
            if rows:
                archive.writestr(name, _csv(rows))
                readme.append(f"{name}: {label} ({len(rows)} registro(s))")
            else:
                readme.append(f"{label}: nenhum registro")
        archive.writestr("LEIA-ME.txt", "\r\n".join(readme) + "\r\n")
    _log_export(entity, "csv")
    return _download(buffer.getvalue(), "application/zip", _filename(entity, "zip"))


@bp.post("/entidades/<int:entity_id>/anonimizar")
@allow(ROLE_SUPERVISOR)
def anonymize(entity_id: int):
    entity = _load(entity_id)
    form = AnonymizeForm()
    if service.is_anonymized(entity):
        flash(_("Este titular já foi anonimizado."), "warning")
        return redirect(url_for("privacy.entity", entity_id=entity.id))
    if not form.validate():
        return _entity_page(entity, form, status=422)
    if not form.confirms(entity.name, entity.document):
        form.confirmacao.errors.append(
            _("O texto digitado não é o nome nem o CPF/CNPJ deste titular: nada foi alterado.")
        )
        return _entity_page(entity, form, status=422)
    try:
        outcome = service.anonymize(db.session, entity, current_user._get_current_object())
        db.session.commit()
    except StaleDataError:
        # Someone saved the Cadastro (or a row of it) after this request read it: what they
        # added was not seen here, so nothing is anonymised rather than half of it.
        db.session.rollback()
        flash(str(STALE_MESSAGE), "error")
        return redirect(url_for("privacy.entity", entity_id=entity_id))
    current_app.logger.info(
        "LGPD anonymisation of entity %s by user %s", entity.id, current_user.id
    )
    _tell_anonymized(outcome)
    return redirect(url_for("privacy.entity", entity_id=entity.id))


def _tell_anonymized(outcome: service.Outcome) -> None:
    """What the anonymisation removed, row by row kind."""
    flash(
        _(
            "Titular anonimizado: %(rows)s endereço(s)/telefone(s)/contato(s) e %(relations)s"
            " relação(ões) removidos; textos de %(tickets)s atendimento(s) e %(details)s"
            " detalhe(s) apagados; %(emails)s e-mail(s) sem endereço; %(audit)s registro(s) da"
            " auditoria limpos.",
            rows=outcome.registration_rows,
            relations=outcome.relations,
            tickets=outcome.tickets,
            details=outcome.details,
            emails=outcome.emails,
            audit=outcome.audit_rows,
        ),
        "success",
    )
