"""Real gunicorn processes on the suite's database, and a small HTTP client for them.

The concurrency, durability and backup tests drive the app as production runs it: several
processes on one database, talking HTTP. Every process started here is stopped by the
context manager that started it, also when the test fails.
"""

import html as html_lib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlencode

from tests.conftest import csrf_token_from
from tests.factories import screen_form

ROOT = Path(__file__).resolve().parent.parent
SECRET = "live-test-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, process: subprocess.Popen, port: int, log: Path):
        self.process = process
        self.port = port
        self.log = log

    def log_tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def kill(self) -> None:
        """SIGKILL to the master and its workers at once: no shutdown code runs."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


def _wait_until_serving(server: Server, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"gunicorn exited ({server.process.returncode}):\n{server.log_tail()}"
            )
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        try:
            conn.request("GET", "/entrar")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
        finally:
            conn.close()
    raise RuntimeError(f"gunicorn did not answer in {timeout}s:\n{server.log_tail()}")


def gunicorn_settings() -> set[str]:
    from gunicorn.config import Config

    return set(Config().settings)


@contextmanager
def gunicorn(database_url: str, workdir: Path, *, workers: int = 2, threads: int = 2):
    """`gunicorn -w N "isocrm:create_app()"` on the given database, as the README deploys it."""
    with instances(database_url, workdir, count=1, workers=workers, threads=threads) as (server,):
        yield server


@contextmanager
def instances(database_url: str, workdir: Path, *, count: int, workers=2, threads=2):
    """`count` gunicorn instances on one database, started (and stopped) side by side."""
    servers = []
    try:
        for n in range(count):
            servers.append(_spawn(database_url, workdir / f"g{n}", workers, threads))
        for server in servers:
            _wait_until_serving(server)
        yield servers
    finally:
        workers_of = {server: server.worker_pids() for server in servers}
        for server in servers:
            if server.process.poll() is None:
                server.process.send_signal(signal.SIGTERM)
        for server in servers:
            # The workers finish their requests and exit at once; gunicorn 27's master
            # lingers for seconds after them, so once they are gone it is killed.
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline and any(
                Path(f"/proc/{pid}").exists() and _alive(pid) for pid in workers_of[server]
            ):
                time.sleep(0.05)
            with suppress(ProcessLookupError):
                os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(10)


def _alive(pid: int) -> bool:
    """Not a zombie (a worker that exited but its master has not reaped it yet)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False


def _spawn(database_url: str, workdir: Path, workers: int, threads: int) -> Server:
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = workdir / "gunicorn.log"
    env = dict(os.environ)
    env.update(
        ISOCRM_DATABASE_URL=database_url,
        ISOCRM_SECRET_KEY=SECRET,  # shared, so a session works on every instance
        ISOCRM_INSTANCE_PATH=str(workdir / "instance"),
    )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        "60",
        "--error-logfile",
        str(log),
        "isocrm:create_app()",
    ]
    if "control_socket_disable" in gunicorn_settings():
        command.insert(-1, "--no-control-socket")  # gunicorn >= 25: one per instance
    # Its own process group: the workers can be stopped (or killed) with the master.
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return Server(process, port, log)


class Response:
    def __init__(self, status: int, headers, body: str):
        self.status = status
        self.headers = headers
        self.text = body

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class Browser:
    """One attendant: a cookie jar and the ports of the instances it spreads its requests on."""

    def __init__(self, ports: list[int], timeout: float = 60):
        self.ports = ports
        self.turn = 0
        self.cookies: dict[str, str] = {}
        self.timeout = timeout
        self.responses: list[tuple[str, str, int, str]] = []  # method, path, status, problem

    def _port(self) -> int:
        self.turn += 1
        return self.ports[self.turn % len(self.ports)]

    def request(self, method: str, path: str, data: dict | None = None, headers=None) -> Response:
        conn = http.client.HTTPConnection("127.0.0.1", self._port(), timeout=self.timeout)
        sent = {"User-Agent": "isocrm-live-test"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        sent.update(headers or {})
        try:
            conn.request(method, path, body=body, headers=sent)
            raw = conn.getresponse()
            text = raw.read().decode("utf-8", errors="replace")
            for header in raw.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                value = rest.split(";", 1)[0]
                if value and "Max-Age=0" not in header and "1970" not in header:
                    self.cookies[name.strip()] = value
                else:
                    self.cookies.pop(name.strip(), None)
            response = Response(raw.status, raw.headers, text)
        finally:
            conn.close()
        problem = ""
        if response.status >= 500:
            problem = f"{response.status}"
        if "database is locked" in text.lower() or "Erro interno" in text:
            problem += " database is locked / Erro interno"
        self.responses.append((method, path, response.status, problem))
        return response

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> Response:
        return self.request("POST", path, data=data, **kwargs)

    def login(self, username: str, password: str) -> None:
        token = csrf_token_from(self.get("/entrar").text)
        response = self.post(
            "/entrar", {"username": username, "password": password, "csrf_token": token}
        )
        assert response.status == 302, response.text[:500]

    def switch_company(self, company_id: int) -> None:
        token = csrf_token_from(self.get("/atendimentos/").text)
        response = self.post("/empresa", {"company_id": company_id, "csrf_token": token})
        assert response.status == 303, response.text[:500]

    def problems(self) -> list:
        return [r for r in self.responses if r[3]]


def first_option(html: str, name: str) -> str:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no <select name={name}>"
    values = [v for v in re.findall(r'<option[^>]*value="([^"]*)"', select.group(1)) if v]
    assert values, f"no option in {name}"
    return html_lib.unescape(values[0])


def include(browser: Browser, entity_id: int) -> int | None:
    """Incluir: the code of the draft, or None when not answered with success."""
    listing = f"/entidades/{entity_id}/atendimentos"
    token = csrf_token_from(browser.get(listing).text)
    response = browser.post(listing, {"csrf_token": token})
    match = re.fullmatch(r".*/atendimentos/(\d+)", response.location)
    return int(match.group(1)) if response.status == 303 and match else None


def confirm(browser: Browser, code: int, description: str) -> bool:
    """Confirmar the draft with a first detail; True when answered with success."""
    page = browser.get(f"/atendimentos/{code}").text
    form = screen_form(page)
    form.update(
        channel_id=first_option(page, "channel_id"),
        direction="receptivo",
        description=description,
    )
    response = browser.post(f"/atendimentos/{code}", form)
    return response.status == 303 and response.location.startswith(f"/atendimentos/{code}")


def save_detail(browser: Browser, code: int, description: str) -> bool:
    """Salvar só o detalhe: a new detail on a confirmed ticket; True when saved."""
    page = browser.get(f"/atendimentos/{code}?detalhe=novo").text
    form = screen_form(page)
    form.update(
        channel_id=first_option(page, "channel_id"),
        direction="ativo",
        description=description,
    )
    response = browser.post(f"/atendimentos/{code}/detalhes", form, headers={"HX-Request": "true"})
    return response.status == 200 and "Detalhe salvo." in response.text


class Ledger:
    """What the server answered with success, to be found in the database afterwards."""

    def __init__(self):
        self.lock = threading.Lock()
        self.included: list[tuple[int, int]] = []  # (company_id, code)
        self.confirmed: list[tuple[int, int, str]] = []  # (company_id, code, description)
        self.details: list[tuple[int, int, str]] = []
        self.failed: list[str] = []
        self.writes = 0
        self.unanswered = 0  # requests cut by a kill: no answer, so nothing promised

    def add(self, kind: str, item) -> None:
        with self.lock:
            getattr(self, kind).append(item)
            self.writes += 1

    def fail(self, what: str) -> None:
        with self.lock:
            self.failed.append(what)
            self.writes += 1
