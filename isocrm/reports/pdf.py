"""Print HTML to PDF with WeasyPrint, in this process: no browser, no network.

WeasyPrint lays the report out with the same print stylesheet the browser uses (@page A4,
margins, the "Página X de Y" margin box). It needs Pango from the operating system
(Debian: libpango-1.0-0, libpangoft2-1.0-0) and a font fontconfig knows (fonts-dejavu-core).
"""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Flask

# Relative URLs in the document resolve against this origin; ".invalid" never resolves
# (RFC 2606), and the fetcher below answers it from the static folder without any socket.
BASE_URL = "http://isocrm.invalid/"


def N_(text: str) -> str:
    """Marks a text for the catalogue (pybabel's default keyword) without translating it:
    the constants stay Portuguese strings and are translated where they are shown."""
    return text


PDF_UNAVAILABLE_MESSAGE = N_(
    "O PDF do relatório não pôde ser gerado neste servidor (o WeasyPrint ou as bibliotecas "
    "Pango de que ele precisa não estão instalados). Peça ao administrador para instalar os "
    "pacotes “libpango-1.0-0” e “libpangoft2-1.0-0”. Enquanto isso, o relatório em HTML "
    "continua disponível e pode ser impresso pelo navegador."
)
PDF_BUSY_MESSAGE = N_("Muitos relatórios sendo gerados; tente de novo em instantes.")


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or the Pango it loads) is missing or could not print."""


class PdfBusy(RuntimeError):
    """Every render slot stayed busy for the whole wait."""


_slots_lock = threading.Lock()
_EXTENSION = "isocrm.pdf_slots"


def _slots(app: Flask) -> threading.BoundedSemaphore:
    """One semaphore per app in this process, sized by PDF_CONCURRENCY (made on first use, so
    a test's config is read)."""
    slots = app.extensions.get(_EXTENSION)
    if slots is None:
        with _slots_lock:
            slots = app.extensions.get(_EXTENSION)
            if slots is None:
                slots = threading.BoundedSemaphore(app.config["PDF_CONCURRENCY"])
                app.extensions[_EXTENSION] = slots
    return slots


@contextmanager
def render_slot(app: Flask) -> Iterator[None]:
    """Hold one of the app's render slots while printing. A render of a long ticket takes
    a CPU core and tens of MB for a moment: a burst of requests must queue briefly
    (PDF_SLOT_WAIT) and then be turned away, not take every worker and the server's memory."""
    slots = _slots(app)
    if not slots.acquire(timeout=app.config["PDF_SLOT_WAIT"]):
        raise PdfBusy(f"{app.config['PDF_CONCURRENCY']} PDF renders already running")
    try:
        yield
    finally:
        slots.release()


def load_weasyprint():
    """The weasyprint module, or PdfUnavailable when it (or the Pango it loads with ctypes at
    import, an OSError) is missing. Lazy: only this endpoint needs it."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:
        raise PdfUnavailable(f"weasyprint cannot be loaded: {error}") from error
    return weasyprint


def static_only_fetcher(weasyprint, static_folder: str | None):
    """A URL fetcher that serves the app's own static files and refuses everything else
    (http(s) elsewhere, file:, data:): whatever ends up in the document, user text included,
    must never make the server fetch anything or read a file outside static/."""
    root = Path(static_folder).resolve() if static_folder else None

    class StaticOnlyFetcher(weasyprint.URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            prefix = "/static/"
            if (
                root is None
                or f"{parts.scheme}://{parts.netloc}/" != BASE_URL
                or not parts.path.startswith(prefix)
            ):
                raise ValueError(f"refused (not a static file of the app): {url}")
            path = (root / unquote(parts.path[len(prefix) :])).resolve()
            if not path.is_relative_to(root) or not path.is_file():
                raise ValueError(f"refused (no such static file): {url}")
            return weasyprint.urls.URLFetcherResponse(url, path.read_bytes())

    return StaticOnlyFetcher(allowed_protocols=("http",), allow_redirects=False)


# What every render would otherwise build again: a FontConfiguration (fontconfig and a Pango
# font map) and the parsed print stylesheet. Kept per thread, not shared between threads:
# Pango's font maps are not safe to use from two threads at once, and a render slot may run
# in any worker thread. The stylesheets are keyed by their text, so a changed print.css (or
# a test's own CSS) is parsed afresh; a few entries are enough (one print.css in production).
_reused = threading.local()
_STYLESHEETS_KEPT = 4


def font_config(weasyprint):
    """This thread's FontConfiguration, made on its first render."""
    config = getattr(_reused, "font_config", None)
    if config is None:
        config = _reused.font_config = weasyprint.text.fonts.FontConfiguration()
    return config


def stylesheet(weasyprint, css: str, static_folder: str | None):
    """`css` parsed once per thread (with its @import resolved by the static-only fetcher)."""
    cache = getattr(_reused, "stylesheets", None)
    if cache is None:
        cache = _reused.stylesheets = {}
    key = (css, static_folder)
    parsed = cache.get(key)
    if parsed is None:
        if len(cache) >= _STYLESHEETS_KEPT:
            cache.pop(next(iter(cache)))  # the oldest: dicts keep insertion order
        parsed = cache[key] = weasyprint.CSS(
            string=css,
            base_url=BASE_URL,
            url_fetcher=static_only_fetcher(weasyprint, static_folder),
            font_config=font_config(weasyprint),
        )
    return parsed


def html_to_pdf(html: str, css: str, static_folder: str | None = None) -> bytes:
    """An A4 PDF of `html` styled by `css`, with the sizes, margins and margin boxes of its
    @page rules. Only files under `static_folder` may be loaded, from /static/ URLs."""
    weasyprint = load_weasyprint()
    fetcher = static_only_fetcher(weasyprint, static_folder)
    try:
        document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
        return document.write_pdf(
            stylesheets=[stylesheet(weasyprint, css, static_folder)],
            font_config=font_config(weasyprint),
        )
    except Exception as error:
        # WeasyPrint may raise anything from deep in its layout code: the attendant gets the
        # printable page instead of a 500, and the operator gets the whole traceback here
        # (the view logs only the one-line reason).
        logging.getLogger(__name__).exception("WeasyPrint failed to print the report")
        raise PdfUnavailable(f"weasyprint could not print: {error!r}") from error
