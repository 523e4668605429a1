"""PDFs from the same Jinja2 templates and CSS as the web pages, with WeasyPrint
(it shapes right-to-left scripts and falls back across fonts).

WeasyPrint needs Pango from the system (``libpango-1.0-0``, ``libpangoft2-1.0-0``;
``dev.sh`` installs them where it can). Without it Heard says so — a kind page for
staff, a clear message on the command line — and everything else keeps working.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from core.i18n import current_locale, gettext, is_rtl, ngettext

STATIC_DIR = Path(__file__).resolve().parent / "static"
INSTALL_HINT = "apt-get install -y libpango-1.0-0 libpangoft2-1.0-0"


class PdfUnavailable(Exception):
    """PDFs cannot be made here; the message says what is missing."""


def _import_weasyprint() -> Any:
    import weasyprint
    import weasyprint.urls  # noqa: F401 - the fetcher below builds on it

    return weasyprint


def missing() -> str | None:
    """What stops PDFs being made on this machine, or None when nothing does."""
    try:
        _import_weasyprint()
    except ImportError:
        return "the WeasyPrint package is not installed (pip install weasyprint)"
    except OSError as exc:  # WeasyPrint loads Pango when imported
        return f"Pango is missing from the system ({INSTALL_HINT}): {exc}"
    return None


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("web", "templates"),
                      autoescape=select_autoescape(["html"]),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    # Stylesheets are read from web/static on disk, not over the network.
    env.globals["static"] = lambda filename: filename
    return env


def render_html(template: str, **context: Any) -> str:
    locale = current_locale()
    return _environment().get_template(template).render(
        lang=locale.replace("_", "-"), rtl=is_rtl(locale), pdf=True, **context)


# Pictures handed over in memory are named ``heard-image:<key>`` in the page: no
# megabytes of base64 for the HTML parser to scan (bench/booklet.py).
IMAGE_SCHEME = "heard-image:"


def _local_fetcher(weasyprint: Any, images: dict[str, bytes] | None = None) -> Any:
    """Only our own stylesheets and pictures on disk, and the pictures handed over in
    memory: a PDF never fetches from elsewhere."""
    base = STATIC_DIR.resolve().as_uri() + "/"
    given: dict[str, bytes] = images or {}

    class LocalOnly(weasyprint.urls.URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith(IMAGE_SCHEME) and url[len(IMAGE_SCHEME):] in given:
                return weasyprint.urls.URLFetcherResponse(
                    url, body=given[url[len(IMAGE_SCHEME):]],
                    headers={"Content-Type": "image/jpeg"})
            if not (url.startswith(base) or url.startswith("data:")):
                raise ValueError(f"not fetched: {url[:80]}")
            return super().fetch(url, headers)

    return LocalOnly(allowed_protocols={"file", "data"})


def _write(html: str, images: dict[str, bytes] | None = None) -> bytes:
    weasyprint = _import_weasyprint()
    document = weasyprint.HTML(string=html, base_url=STATIC_DIR.resolve().as_uri() + "/",
                               url_fetcher=_local_fetcher(weasyprint, images))
    return bytes(document.write_pdf())


async def render_pdf(template: str, *, images: dict[str, bytes] | None = None,
                     **context: Any) -> bytes:
    """The template as a PDF. Laying out takes a while, so it runs beside the event
    loop, not on it. Raises PdfUnavailable when Pango (or WeasyPrint) is missing.

    ``images``: pictures by key, shown where the page says ``heard-image:<key>``."""
    reason = missing()
    if reason is not None:
        raise PdfUnavailable(reason)
    html = render_html(template, **context)  # here: the request's language
    return await asyncio.to_thread(_write, html, images)
