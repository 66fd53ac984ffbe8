"""A real HTTP server on 127.0.0.1 that answers CEP and CNPJ lookups as BrasilAPI does, for
the lookup tests (tests/test_registry_lookups.py, tests/browser/test_lookups_flow.py).

    with serving_lookups(app) as provider:     # CEP_LOOKUP_URL, CNPJ_LOOKUP_URL set to it
        provider.answer("/cep/01001000", {"cep": "01001000", ...})

A path without an answer gets a 404 with BrasilAPI's error body. Each request is counted by
path (`provider.hits`), so a test sees what the cache spared the provider.
"""

import json
import threading
import time
from collections import Counter
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SE = {
    "cep": "01001000",
    "state": "SP",
    "city": "São Paulo",
    "neighborhood": "Sé",
    "street": "Praça da Sé",
    "service": "correios",
}
# A valid CNPJ (check digits) and what BrasilAPI tells of it, abridged.
CNPJ = "11222333000181"
ACME = {
    "cnpj": CNPJ,
    "razao_social": "ACME INDUSTRIA DE ALIMENTOS LTDA",
    "nome_fantasia": "ACME ALIMENTOS",
    "descricao_tipo_de_logradouro": "AVENIDA",
    "logradouro": "PAULISTA",
    "numero": "1000",
    "complemento": "ANDAR 10",
    "bairro": "BELA VISTA",
    "municipio": "SAO PAULO",
    "uf": "SP",
    "cep": "01310100",
    "codigo_municipio": 7107,
}


class LookupServer:
    def __init__(self):
        self.answers: dict[str, tuple[int, bytes, float, float]] = {}
        self.hits: Counter = Counter()
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                with outer._lock:
                    outer.hits[self.path] += 1
                    status, body, delay, trickle = outer.answers.get(
                        self.path,
                        (404, json.dumps({"message": "não encontrado"}).encode(), 0.0, 0.0),
                    )
                if delay:
                    time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if not trickle:
                        self.wfile.write(body)
                    for i in range(len(body) if trickle else 0):
                        self.wfile.write(body[i : i + 1])
                        self.wfile.flush()
                        time.sleep(trickle)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def answer(self, path: str, body, status=200, delay=0.0, trickle=0.0) -> None:
        """Answer GET `path` with `body` (JSON of it, or these very bytes), after `delay`
        seconds, a byte every `trickle` seconds."""
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        with self._lock:
            self.answers[path] = (status, raw, delay, trickle)

    def __enter__(self):
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()


@contextmanager
def serving_lookups(app, **config):
    """A LookupServer that app's CEP and CNPJ lookups ask, for the `with` block."""
    with LookupServer() as server:
        app.config.update(
            CEP_LOOKUP_URL=server.url + "/cep/{cep}",
            CNPJ_LOOKUP_URL=server.url + "/cnpj/{cnpj}",
            **config,
        )
        yield server
