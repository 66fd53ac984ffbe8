"""Importar CSV (supervisors): upload -> preview of the first rows and every error ->
Confirmar importação. The uploaded file is kept under the instance folder with an
unguessable token, tied to the user and the Empresa; Confirmar reads it from there again and
checks every row again, so nothing of the rows travels in the page."""

import json
import re
import secrets
import time
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from isocrm import logs
from isocrm.extensions import db
from isocrm.imports import bp
from isocrm.imports.forms import MAX_BYTES, MAX_LINES, UploadForm
from isocrm.imports.kinds import KINDS, import_file
from isocrm.permissions import ROLE_SUPERVISOR, allow
from isocrm.security import current_company

TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
KEPT_SECONDS = 24 * 3600  # an upload not confirmed within a day is forgotten
ERRORS_SHOWN = 1_000


def _folder(instance_path: str | None = None) -> Path:
    folder = Path(instance_path or current_app.instance_path) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def store_upload(instance_path: str, data: bytes, meta: dict) -> str:
    """Keep an uploaded file aside under an unguessable token; returns the token."""
    folder = _folder(instance_path)
    _forget_old(folder)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.csv").write_bytes(data)
    (folder / f"{token}.json").write_text(json.dumps(meta | {"size": len(data)}))
    return token


def _forget_old(folder: Path) -> None:
    limit = time.time() - KEPT_SECONDS
    for path in folder.iterdir():
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)


def _upload(token: str) -> tuple[dict, bytes]:
    """The stored upload of this Empresa, else 404 (a token of another Empresa, or one
    already imported, discarded or forgotten is not found). Any supervisor of the Empresa
    may confirm it: the token is unguessable and only shown to who uploaded."""
    if not TOKEN.match(token):
        abort(404)
    folder = _folder()
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        data = (folder / f"{token}.csv").read_bytes()
    except (OSError, ValueError):
        abort(404)
    if meta.get("company_id") != current_company().id:
        abort(404)
    if meta.get("kind") not in KINDS:
        abort(404)
    return meta, data


def _discard(token: str) -> None:
    for suffix in (".csv", ".json"):
        (_folder() / f"{token}{suffix}").unlink(missing_ok=True)


def _upload_page(form: UploadForm) -> str:
    limits = {"max_mb": MAX_BYTES // 2**20, "max_lines": f"{MAX_LINES:,}".replace(",", ".")}
    return render_template("imports/upload.html", form=form, **limits)


@bp.route("/importacao", methods=["GET", "POST"])
@allow(ROLE_SUPERVISOR)
def upload():
    """Choose a CSV file; it is kept aside and checked, nothing imported yet."""
    request.max_content_length = MAX_BYTES + 64 * 1024
    form = UploadForm()
    if request.method == "GET":
        return _upload_page(form)
    if not form.validate():
        return _upload_page(form), 422
    meta = {
        "kind": form.kind.data,
        "filename": Path(form.file.data.filename or "arquivo.csv").name[:120],
        "company_id": current_company().id,
        "user_id": current_user.id,
    }
    token = store_upload(current_app.instance_path, form.file.bytes, meta)
    return redirect(url_for("imports.preview", token=token), code=303)


def _preview(token: str, meta: dict, data: bytes, status: int = 200):
    # Every row checked and what Confirmar would do (new, updated, unchanged): nothing written.
    report = import_file(meta["kind"], db.session, current_company().id, data, dry_run=True)
    db.session.rollback()
    return render_template(
        "imports/preview.html",
        token=token,
        meta=meta,
        kind_label=KINDS[meta["kind"]].label,
        report=report,
        errors_shown=ERRORS_SHOWN,
    ), (status if report.ok else 422)


@bp.get("/importacao/<token>")
@allow(ROLE_SUPERVISOR)
def preview(token: str):
    """The first rows as read, the encoding and separator, and every bad row."""
    meta, data = _upload(token)
    return _preview(token, meta, data)


@bp.post("/importacao/<token>/confirmar")
@allow(ROLE_SUPERVISOR)
def confirm(token: str):
    """Import the whole file in one transaction, or nothing when any row is bad."""
    meta, data = _upload(token)
    company = current_company()
    try:
        report = import_file(meta["kind"], db.session, company.id, data)
    except IntegrityError:
        # Another import (or a Cadastrar) wrote one of these documents meanwhile: the whole
        # file was rolled back; the preview, checked again, tells what Confirmar would do now.
        flash(
            "Outra gravação mudou estas entidades ao mesmo tempo: nada foi importado."
            " Confira a prévia e confirme de novo.",
            "error",
        )
        return _preview(token, meta, data, status=409)
    if not report.written:
        return _preview(token, meta, data, status=422)
    _discard(token)
    logs.event("import", kind=meta["kind"], company_id=company.id, rows=report.rows)
    flash(f"Importação concluída: {report.summary()}", "success")
    return redirect(url_for("imports.upload"), code=303)


@bp.post("/importacao/<token>/descartar")
@allow(ROLE_SUPERVISOR)
def discard(token: str):
    """Forget an upload without importing it."""
    _upload(token)
    _discard(token)
    flash("Arquivo descartado: nada foi importado.", "success")
    return redirect(url_for("imports.upload"), code=303)
