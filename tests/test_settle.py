"""`settle`: clean-up runs to its end however often its caller is canceled (a job canceled,
then its process stopping), and the cancellation still reaches the caller."""

from __future__ import annotations

import asyncio

import pytest

from core.settle import settle


def test_clean_up_ends_through_two_cancels_and_the_cancel_goes_on() -> None:
    steps: list[str] = []

    async def clean_up() -> None:
        steps.append("row deleted")
        await asyncio.sleep(0.05)
        steps.append("blob deleted")

    async def job() -> None:
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            await settle(clean_up())
            steps.append("not reached")  # settle re-raises the cancellation
            raise

    async def main() -> None:
        task = asyncio.create_task(job())
        await asyncio.sleep(0.01)
        task.cancel()  # the job canceled
        await asyncio.sleep(0.01)
        task.cancel()  # then its process stops, mid clean-up
        with pytest.raises(asyncio.CancelledError):
            await task
        assert steps == ["row deleted", "blob deleted"]

    asyncio.run(main())


def test_a_result_and_an_error_pass_through() -> None:
    async def value() -> int:
        return 7

    async def broken() -> None:
        raise OSError("disk")

    async def main() -> None:
        assert await settle(value()) == 7
        with pytest.raises(OSError, match="disk"):
            await settle(broken())

    asyncio.run(main())
