"""Run the local Bot API stand-in in its own process, so a benchmark's memory figures
are Heard's alone. Prints the base URL, then serves until standard input closes."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.bot_api import FakeBotAPI  # noqa: E402


async def main() -> None:
    async with FakeBotAPI(record=False, accept_any_callback=True) as server:
        print(server.base_url, flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(main())
