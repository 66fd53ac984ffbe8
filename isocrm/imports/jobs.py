"""Checking and importing an uploaded file run in a process of their own, not in the request:
100,000 entities take tens of seconds, longer than a worker may hold a request, and the
supervisor may close the tab meanwhile. The page polls the job's state file for the progress
bar; the result stays on the page (and in Importar CSV's list) after the tab was closed.

Files of one upload, under the imports folder (instance/imports/):
- TOKEN.csv   the file as uploaded (removed once imported);
- TOKEN.json  who uploaded it, for which Empresa, what kind;
- TOKEN.job   the last job's state: check or import, running/done/failed, phase, counts,
              and the report (the first errors, the first rows, the counts) when it ended;
- TOKEN.lock  locked (flock) by the job's process for as long as it runs. The operating
              system releases the lock when the process ends, however it ends, so a job
              still "running" in its state file with the lock free has died (a restart, a
              kill): the page says so instead of polling forever.

start() runs a job as `python -m isocrm.imports FOLDER TOKEN ACTION FD`
(isocrm/imports/__main__.py)."""

import dataclasses
import fcntl
import json
import os
import socket
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

from isocrm.imports.entities import Report, RowError

CHECK, IMPORT = "check", "import"
RUNNING, DONE, FAILED, STOPPED = "running", "done", "failed", "stopped"
ERRORS_KEPT = 1_000  # the page shows these; `flask import --dry-run` lists every one
WRITE_EVERY = 0.5  # seconds between two writes of the progress
# The job waits this long for SQLite's write lock (another import, a burst of saves) rather
# than fail: nobody is waiting on the job, attendants are waiting on their saves.
JOB_SQLITE_BUSY_TIMEOUT_MS = 300_000


@dataclasses.dataclass
class Job:
    action: str  # CHECK or IMPORT
    state: str = RUNNING
    phase: str = "Iniciando"
    done: int = 0
    total: int = 0
    started: float = dataclasses.field(default_factory=time.time)
    finished: float | None = None
    user_id: int | None = None  # who asked (uploaded, or confirmed)
    username: str | None = None
    pid: int | None = None
    host: str = dataclasses.field(default_factory=socket.gethostname)
    message: str = ""  # why it failed
    report: dict | None = None

    @property
    def percent(self) -> int | None:
        return min(100, self.done * 100 // self.total) if self.total else None

    def result(self) -> Report | None:
        return report_from_json(self.report) if self.report else None


def _path(folder: Path, token: str, suffix: str) -> Path:
    return folder / f"{token}{suffix}"


def write_job(folder: Path, token: str, job: Job) -> None:
    """Replace the state file whole: a reader never sees half of it."""
    temporary = _path(folder, token, f".job.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(dataclasses.asdict(job)))
    os.replace(temporary, _path(folder, token, ".job"))


def read_job(folder: Path, token: str) -> Job | None:
    """The job's state, STOPPED when it says running but its process is gone."""
    job = _load(folder, token)
    if job is None or job.state != RUNNING or _running(folder, token):
        return job
    # The lock is free: the process ended. It writes its end before it exits, so read again
    # before calling it dead (it may have ended between the two reads).
    job = _load(folder, token)
    if job is not None and job.state == RUNNING:
        job.state = STOPPED
    return job


def _load(folder: Path, token: str) -> Job | None:
    try:
        fields = json.loads(_path(folder, token, ".job").read_text())
        return Job(**fields)
    except (OSError, ValueError, TypeError):
        return None


def _running(folder: Path, token: str) -> bool:
    try:
        descriptor = os.open(_path(folder, token, ".lock"), os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


def wait_all(folder: Path, timeout: float) -> bool:
    """Wait until no job of the folder runs; False if some still ran after `timeout` s."""
    deadline = time.monotonic() + timeout
    while any(_running(folder, lock.stem) for lock in folder.glob("*.lock")):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def start(
    folder: Path, token: str, action: str, asked_by: tuple[int, str], environment: dict
) -> bool:
    """Start ACTION on the upload in a process of its own; False when a job of this upload
    is already running (a second click, a second tab): the caller shows that one."""
    descriptor = os.open(_path(folder, token, ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return False
    try:
        user_id, username = asked_by
        write_job(folder, token, Job(action=action, user_id=user_id, username=username))
        # The child inherits the locked descriptor: the lock passes to it with no moment
        # free in between, and is released when it exits. Its output (the import event, a
        # traceback) goes where the server's own goes.
        process = subprocess.Popen(
            [sys.executable, "-m", "isocrm.imports", str(folder), token, action, str(descriptor)],
            pass_fds=(descriptor,),
            env=os.environ | environment,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a worker's restart or Ctrl+C does not stop it
        )
    except OSError as error:
        write_job(folder, token, Job(action, FAILED, message=f"O processo não iniciou: {error}"))
        return True
    finally:
        os.close(descriptor)
    # Reaped when it ends, so no zombie stays behind the worker.
    threading.Thread(target=process.wait, daemon=True).start()
    return True


def report_to_json(report: Report) -> dict:
    fields = dataclasses.asdict(report)
    fields["error_count"] = len(report.errors)
    fields["errors"] = fields["errors"][:ERRORS_KEPT]
    return fields


def report_from_json(fields: dict) -> Report:
    fields = dict(fields)
    error_count = fields.pop("error_count", len(fields.get("errors", [])))
    fields["errors"] = [RowError(**error) for error in fields.get("errors", [])]
    fields["nouns"] = tuple(fields.get("nouns", Report.nouns))
    report = Report(**fields)
    report.error_count = error_count
    return report


class _Progress:
    """The callback import_file reports to: kept in memory, written at most twice a second."""

    def __init__(self, folder: Path, token: str, job: Job) -> None:
        self.folder, self.token, self.job = folder, token, job
        self.written = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase == "Conferindo" and self.job.action == IMPORT:
            phase = "Conferindo de novo"  # the file or the registry may have changed
        self.job.phase, self.job.done, self.job.total = phase, done, total
        now = time.monotonic()
        if now - self.written >= WRITE_EVERY or (total and done >= total):
            write_job(self.folder, self.token, self.job)
            self.written = now


def _conflict_message(error: Exception) -> str | None:
    from sqlalchemy.exc import IntegrityError, OperationalError

    if isinstance(error, IntegrityError):
        return (
            "Outra gravação mudou estes registros ao mesmo tempo: nada foi importado."
            " Confira de novo e confirme."
        )
    if isinstance(error, OperationalError) and "database is locked" in str(error.orig):
        return "O banco ficou ocupado por tempo demais: nada foi importado. Tente de novo."
    return None


def run(folder: Path, token: str, action: str) -> None:
    from isocrm import create_app, logs
    from isocrm.extensions import db
    from isocrm.imports.kinds import import_file

    job = _load(folder, token) or Job(action)
    job.pid, job.host, job.state, job.phase = os.getpid(), socket.gethostname(), RUNNING, "Lendo"
    write_job(folder, token, job)
    try:
        meta = json.loads(_path(folder, token, ".json").read_text())
        data = _path(folder, token, ".csv").read_bytes()
    except (OSError, ValueError):
        job.state, job.message = FAILED, "O arquivo enviado não existe mais: envie-o de novo."
        job.finished = time.time()
        write_job(folder, token, job)
        return
    app = create_app(
        {"ALLOW_DEV_SECRET_KEY": True, "SQLITE_BUSY_TIMEOUT_MS": JOB_SQLITE_BUSY_TIMEOUT_MS}
    )
    progress = _Progress(folder, token, job)
    with app.app_context():
        try:
            report = import_file(
                meta["kind"], db.session, meta["company_id"], data, action == CHECK, progress
            )
        except Exception as error:  # the state file must say it ended, whatever ended it
            db.session.rollback()
            message = _conflict_message(error)
            if message is None:
                traceback.print_exc()  # into the server's log, for the administrator
                message = "Erro inesperado: nada foi importado. O administrador encontra o"
                message += f" detalhe no registro do servidor (importação {token[:8]})."
            job.state, job.message = FAILED, message
        else:
            job.state, job.report = DONE, report_to_json(report)
            if report.written:
                _path(folder, token, ".csv").unlink(missing_ok=True)
                logs.event(
                    "import",
                    user=job.username,
                    kind=meta["kind"],
                    company_id=meta["company_id"],
                    rows=report.rows,
                )
    job.finished = time.time()
    write_job(folder, token, job)
