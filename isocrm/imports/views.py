"""Importar CSV (supervisors): upload -> the file checked in the background (progress bar)
-> preview of the first rows and every error -> Confirmar importação -> the import in the
background (progress bar) -> its result. The uploaded file is kept under the instance folder
with an unguessable token, tied to the Empresa; each step reads it from there again and checks
every row again, so nothing of the rows travels in the page. The jobs and their state files:
isocrm/imports/jobs.py."""

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from isocrm import htmx
from isocrm.database import SQLITE_BUSY_TIMEOUT_MS
from isocrm.extensions import db
from isocrm.imports import bp, jobs
from isocrm.imports.forms import MAX_BYTES, UploadForm
from isocrm.imports.kinds import KINDS
from isocrm.imports.reader import LATIN1_WARNING
from isocrm.models import User
from isocrm.permissions import ROLE_SUPERVISOR, allow
from isocrm.security import current_company, user_company

TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
KEPT_SECONDS = 24 * 3600  # an upload (and a job's result) is forgotten after a day
RECENT_SHOWN = 10
# SQLite lets one transaction write at a time: while an import compares and writes, the
# attendants' saves wait (up to 10 s, then "Sistema ocupado"). Measured with
# bench/import_entities.py on a 2-core machine: the comparison with the registered rows goes
# at about 25,000 rows a second, the writing at about 9,000 new or changed rows a second.
SQLITE_COMPARED_PER_SECOND = 25_000
SQLITE_WRITTEN_PER_SECOND = 9_000
SQLITE_WARN_SECONDS = 3


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
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except FileNotFoundError:  # another worker forgot it first
            continue


def _upload(token: str) -> dict:
    """The stored upload of this Empresa, else 404 (a token of another Empresa, or one
    discarded or forgotten is not found). Any supervisor of the Empresa may follow it: the
    token is unguessable and only shown to who uploaded (and in the Empresa's list)."""
    try:
        meta = json.loads((_folder() / f"{token}.json").read_text()) if TOKEN.match(token) else {}
    except (OSError, ValueError):
        meta = {}
    if meta.get("company_id") != current_company().id or meta.get("kind") not in KINDS:
        owner = user_company(meta.get("company_id")) if meta.get("kind") in KINDS else None
        if owner is not None and not htmx.is_partial_request():
            # One of the user's other Empresas (switched in another tab): the upload is there,
            # the import goes on; say so and offer the way back, not a bare 404.
            page = render_template("imports/other_company.html", owner=owner, token=token)
            abort(make_response(page, 409))
        if htmx.is_partial_request():
            # The progress bar's poll (the file was discarded, or the Empresa switched in
            # another tab): the page is reloaded once, to say so, instead of one error
            # message more every second.
            abort(make_response("", 200, {"HX-Refresh": "true"}))
        abort(404)
    return meta


def _has_file(token: str) -> bool:
    return (_folder() / f"{token}.csv").exists()


def _start(token: str, action: str) -> bool:
    uri = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if not isinstance(uri, str):
        uri = uri.render_as_string(hide_password=False)
    environment = {"ISOCRM_DATABASE_URL": uri, "ISOCRM_INSTANCE_PATH": current_app.instance_path}
    asked_by = (current_user.id, current_user.username)
    return jobs.start(_folder(), token, action, asked_by, environment)


def _discard(token: str) -> None:
    for suffix in (".csv", ".json", ".job", ".lock"):
        (_folder() / f"{token}{suffix}").unlink(missing_ok=True)


def _recent(company_id: int) -> list[dict]:
    """This Empresa's uploads of the last day, newest first, with their job's state: a
    supervisor who closed the tab finds the import here."""
    folder = _folder()
    found = []
    for path in folder.glob("*.json"):
        token = path.stem
        try:
            meta = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if meta.get("company_id") != company_id or meta.get("kind") not in KINDS:
            continue
        job = jobs.read_job(folder, token)
        sent = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        found.append({"token": token, "meta": meta, "job": job, "time": sent})
    found.sort(key=lambda item: item["time"], reverse=True)
    found = found[:RECENT_SHOWN]
    ids = {item["job"].user_id for item in found if item["job"]} | {
        item["meta"].get("user_id") for item in found
    }
    names = dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids))).all())
    for item in found:
        job = item["job"]
        item["by"] = names.get(job.user_id if job else item["meta"].get("user_id"), "")
    return found


def _upload_page(form: UploadForm, status: int = 200):
    return htmx.render(
        "imports/upload.html",
        form=form,
        max_mb=MAX_BYTES // 2**20,
        recent=_recent(current_company().id),
        kinds=KINDS,
        status=status,
    )


@bp.url_value_preprocessor
def _allow_big_upload(endpoint: str | None, _values: dict | None) -> None:
    # The upload's body may be far above the 2 MB every other form is held to. This must be
    # said before anything reads the form, and the CSRF check (a before_request) reads it:
    # URL value preprocessors run before any before_request function.
    if endpoint == "imports.upload":
        request.max_content_length = MAX_BYTES + 64 * 1024


# The phases a job reports (jobs.py, kinds.py: kept in Portuguese in the job's file and on
# the command line), as the screen names them.
PHASES = {
    "Iniciando": _l("Iniciando"),
    "Lendo": _l("Lendo"),
    "Conferindo": _l("Conferindo"),
    "Conferindo de novo": _l("Conferindo de novo"),
    "Comparando com o cadastro": _l("Comparando com o cadastro"),
    "Gravando": _l("Gravando"),
    "Concluindo": _l("Concluindo"),
}


# A failed job's message (jobs.py keeps it in Portuguese in the job's file), as the screen
# says it.
JOB_MESSAGES = {
    "O arquivo enviado não existe mais: envie-o de novo.": _l(
        "O arquivo enviado não existe mais: envie-o de novo."
    ),
    "Outra gravação mudou estes registros ao mesmo tempo: nada foi importado. Confira de novo"
    " e confirme.": _l(
        "Outra gravação mudou estes registros ao mesmo tempo: nada foi importado. Confira de"
        " novo e confirme."
    ),
    "O banco ficou ocupado por tempo demais: nada foi importado. Tente de novo.": _l(
        "O banco ficou ocupado por tempo demais: nada foi importado. Tente de novo."
    ),
}
_UNEXPECTED = re.compile(
    r"Erro inesperado: nada foi importado\. O administrador encontra o detalhe no registro do"
    r" servidor \(importação (\w+)\)\."
)


@bp.app_template_global("import_job_message")
def import_job_message(message: str | None) -> str:
    if message in JOB_MESSAGES:
        return str(JOB_MESSAGES[message])
    unexpected = _UNEXPECTED.fullmatch(message or "")
    if unexpected:
        return _(
            "Erro inesperado: nada foi importado. O administrador encontra o detalhe no registro"
            " do servidor (importação %(job)s).",
            job=unexpected.group(1),
        )
    return message or ""


# The report's warnings (kept in Portuguese in the job's file), as the screen says them.
_STOPPED = re.compile(r"Conferência interrompida na linha (\d+): erros demais \((\d+)\)\.")
_UNKNOWN = re.compile(r"Colunas desconhecidas, ignoradas: (.*)\.")


@bp.app_template_global("import_warning")
def import_warning(warning: str) -> str:
    if warning == LATIN1_WARNING:
        return _(
            "O arquivo não está em UTF-8: foi lido como Latin-1 (Windows-1252, o padrão do"
            ' Excel). Confira os acentos na prévia; para evitar o aviso, salve como "CSV UTF-8".'
        )
    stopped = _STOPPED.fullmatch(warning)
    if stopped:
        return _(
            "Conferência interrompida na linha %(line)s: erros demais (%(most)s).",
            line=stopped.group(1),
            most=stopped.group(2),
        )
    unknown = _UNKNOWN.fullmatch(warning)
    if unknown:
        return _("Colunas desconhecidas, ignoradas: %(columns)s.", columns=unknown.group(1))
    return warning


@bp.app_template_global("import_error")
def import_error(error) -> str:
    """A report's error (RowError) in the user's language: its Portuguese template (a msgid)
    translated, then filled with its values. A message of the shared validators is its own
    template; a report written before the templates were kept has its text alone, looked up
    as a msgid too (an unknown text comes back as it is)."""
    template = getattr(error, "template", "") or error.message
    if not template:  # gettext("") is the catalogue's header
        return ""
    values = getattr(error, "values", None)
    said = gettext(template)
    if not values:
        return said
    try:
        return said % values
    except (KeyError, TypeError, ValueError):  # a translation that lost a %(name)s
        return error.message


@bp.app_template_global("import_phase")
def import_phase(phase: str) -> str:
    return str(PHASES.get(phase, phase))


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _created(kind: str, n: int) -> str:
    if kind == "produtos":
        return ngettext("%(count)s produto novo", "%(count)s produtos novos", n, count=_number(n))
    if kind == "pedidos":
        return ngettext("%(count)s pedido novo", "%(count)s pedidos novos", n, count=_number(n))
    if kind == "notas":
        return ngettext("%(count)s nota nova", "%(count)s notas novas", n, count=_number(n))
    return ngettext("%(count)s entidade nova", "%(count)s entidades novas", n, count=_number(n))


def _updated(kind: str, n: int) -> str:
    if kind in ("produtos", "pedidos"):
        return ngettext("%(count)s atualizado", "%(count)s atualizados", n, count=_number(n))
    return ngettext("%(count)s atualizada", "%(count)s atualizadas", n, count=_number(n))


@bp.app_template_global("import_summary")
def import_summary(report) -> str:
    """Report.summary() in the user's language (the command line keeps Report.summary())."""
    if report.written:
        verb = _("gravado")
    elif not (report.created or report.updated):
        verb = _("nada a gravar")
    else:
        verb = _("a gravar")
    return _(
        "%(rows)s: %(created)s, %(updated)s, %(unchanged)s sem alteração (%(verb)s).",
        rows=ngettext(
            "%(count)s linha", "%(count)s linhas", report.rows, count=_number(report.rows)
        ),
        created=_created(report.kind, report.created),
        updated=_updated(report.kind, report.updated),
        unchanged=_number(report.unchanged),
        verb=verb,
    )


@bp.errorhandler(RequestEntityTooLarge)
def _upload_too_big(error: RequestEntityTooLarge):
    # Refused while the body was read (by the CSRF check, before the view): back to the
    # form with what the limit is and what to do, rather than the generic 413 page.
    if request.endpoint != "imports.upload":
        return error
    flash(
        _(
            "Arquivo grande demais (máximo de %(mb)s MB): divida-o em partes ou peça ao"
            " administrador que use o comando flask --app isocrm import.",
            mb=MAX_BYTES // 2**20,
        ),
        "error",
    )
    return redirect(url_for("imports.upload"), code=303)


@bp.route("/importacao", methods=["GET", "POST"])
@allow(ROLE_SUPERVISOR)
def upload():
    """Choose a CSV file; it is kept aside and checked in the background, nothing imported."""
    form = UploadForm()
    if request.method == "GET":
        return _upload_page(form)
    if not form.validate():
        return _upload_page(form, 422)
    meta = {
        "kind": form.kind.data,
        "filename": Path(form.file.data.filename or "arquivo.csv").name[:120],
        "company_id": current_company().id,
        "user_id": current_user.id,
    }
    token = store_upload(current_app.instance_path, form.file.bytes, meta)
    _start(token, jobs.CHECK)
    return redirect(url_for("imports.preview", token=token), code=303)


def _sqlite_wait_seconds(report) -> int:
    """How long the import will hold SQLite's write lock, when that is worth a warning."""
    if db.engine.dialect.name != "sqlite":
        return 0
    changed = report.created + report.updated
    seconds = round(report.rows / SQLITE_COMPARED_PER_SECOND + changed / SQLITE_WRITTEN_PER_SECOND)
    return seconds if seconds >= SQLITE_WARN_SECONDS else 0


@bp.get("/importacao/<token>")
@allow(ROLE_SUPERVISOR)
def preview(token: str):
    """Where the upload stands: the check or the import running (with its progress bar,
    polled by htmx), or the preview (the first rows as read, the encoding and separator,
    every bad row), or the import's result."""
    meta = _upload(token)
    folder = _folder()
    job = jobs.read_job(folder, token)
    if job is None and _has_file(token):
        _start(token, jobs.CHECK)  # an upload whose check was never started (or forgotten)
        job = jobs.read_job(folder, token)
    if htmx.is_partial_request() and (job is None or job.state != jobs.RUNNING):
        return "", 200, {"HX-Refresh": "true"}  # it ended: the whole page shows the result
    report = job.result() if job else None
    status = 422 if report is not None and report.errors else 200
    return htmx.render(
        "imports/preview.html",
        block="progress",
        token=token,
        meta=meta,
        job=job,
        report=report,
        has_file=_has_file(token),
        kind_label=KINDS[meta["kind"]].label,
        sqlite_wait=_sqlite_wait_seconds(report) if report and report.ok else 0,
        busy_seconds=current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", SQLITE_BUSY_TIMEOUT_MS)
        // 1000,
        status=status,
    )


def _start_and_follow(token: str, action: str):
    if not _start(token, action):
        flash(_("Este arquivo já está sendo conferido ou importado: acompanhe abaixo."), "warning")
    return redirect(url_for("imports.preview", token=token), code=303)


def _imported(token: str) -> bool:
    job = jobs.read_job(_folder(), token)
    report = job.result() if job and job.action == jobs.IMPORT else None
    return report is not None and report.written


def _already_imported():
    flash(_("Este arquivo já foi importado: o resultado está abaixo."), "warning")


def _last_check(token: str):
    job = jobs.read_job(_folder(), token)
    return job.result() if job and job.action == jobs.CHECK and job.state == jobs.DONE else None


@bp.post("/importacao/<token>/confirmar")
@allow(ROLE_SUPERVISOR)
def confirm(token: str):
    """Import the whole file in the background, in one transaction, or nothing when any row
    is bad (every row is checked again: the file or the database may have changed)."""
    _upload(token)
    if _imported(token):  # a second tab, an old page: the same upload is never imported twice
        _already_imported()
        return redirect(url_for("imports.preview", token=token), code=303)
    if not _has_file(token):
        abort(404)
    checked = _last_check(token)
    if checked is not None and not checked.ok:
        return preview(token)  # the errors again; the button is not there to press
    if checked is not None and not (checked.created or checked.updated):
        flash(_("Nada a importar: o cadastro já está igual ao arquivo."), "warning")
        return redirect(url_for("imports.preview", token=token), code=303)
    return _start_and_follow(token, jobs.IMPORT)


@bp.post("/importacao/<token>/conferir")
@allow(ROLE_SUPERVISOR)
def recheck(token: str):
    """Check the file again (after a check or an import that stopped or failed)."""
    _upload(token)
    if not _has_file(token):
        abort(404)
    return _start_and_follow(token, jobs.CHECK)


@bp.post("/importacao/<token>/descartar")
@allow(ROLE_SUPERVISOR)
def discard(token: str):
    """Forget an upload without importing it (a running check is stopped; an import that
    is writing is not: it ends with all rows or none, and its result shows here)."""
    _upload(token)
    if _imported(token):  # nothing left to discard: its result stays
        _already_imported()
        return redirect(url_for("imports.preview", token=token), code=303)
    job = jobs.read_job(_folder(), token)
    if job and job.state == jobs.RUNNING:
        if job.action == jobs.IMPORT:
            flash(_("A importação já está gravando: aguarde o fim para descartar."), "error")
            return redirect(url_for("imports.preview", token=token), code=303)
        if job.pid and job.host == socket.gethostname():
            # The check started a session of its own: its process group is its pid.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(job.pid, signal.SIGTERM)
    _discard(token)
    flash(_("Arquivo descartado: nada foi importado."), "success")
    return redirect(url_for("imports.upload"), code=303)
