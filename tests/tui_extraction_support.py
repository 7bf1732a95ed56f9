"""Driving the extraction screens: terminal sizes, and a pilot that waits for every write."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot

from review.tui import ReviewApp

SMALL = (80, 24)
WIDE = (120, 40)


async def settle(pilot: Pilot[Any]) -> None:
    """Wait until the writes landed and the screen redrew."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def drive(
    app: ReviewApp, script: Callable[[Pilot[Any]], Awaitable[None]], size: tuple[int, int] = WIDE
) -> None:
    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await script(pilot)
            await settle(pilot)

    asyncio.run(main())
