"""The real web app on an aiohttp test server, per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from domain.runtime import Runtime
from web.app import init_app


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(init_app(runtime))) as c:
        yield c
