"""The access log, written so that reading it cannot sign anyone in.

aiohttp's own access log writes each request's full path, and Heard's paths carry
secrets: ``/j/<set-up code>``, ``/p/<personal link code>``, ``/tablet/enrol/<code>``.
A log reader with those could set a PIN or guess one. So each request is logged by
its route's template (``/p/{code}``), never by its path; no query string, no
Referer (which could hold a path), no cookies (which hold session ids). A request
that matched no route is logged as ``-``: its path could be anything, a mistyped
code included.
"""

from __future__ import annotations

from typing import Any

import logging

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest

UNMATCHED = "-"


def route_template(request: BaseRequest) -> str:
    """The matched route's canonical path, e.g. ``/j/{code}``; ``-`` when none matched."""
    if not isinstance(request, web.Request):
        return UNMATCHED
    try:
        resource = request.match_info.route.resource
    except (AttributeError, RuntimeError):  # matching had not happened (a bad request line)
        return UNMATCHED
    return resource.canonical if resource is not None else UNMATCHED


class RouteAccessLogger(AbstractAccessLogger):
    """``<remote> "<METHOD> <route template>" <status> <bytes> <seconds>``."""

    def log(self, request: BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info('%s "%s %s" %s %s %.3f', request.remote or "-", request.method,
                         route_template(request), response.status, response.body_length, time)

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


# What every runner of the web app is given (run.py's server and the tests alike).
RUNNER_OPTIONS: dict[str, Any] = {"access_log_class": RouteAccessLogger}
