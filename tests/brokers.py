"""The production profile's services in tests: PostgreSQL databases and RabbitMQ queues."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any


def postgres_url(database: str) -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{database}"


async def bind_queue(exchange: str, queue: str) -> None:
    import aio_pika

    connection = await aio_pika.connect_robust("amqp://guest:guest@127.0.0.1:5672/")
    async with connection:
        channel = await connection.channel()
        bound = await channel.declare_queue(queue, durable=False, auto_delete=False)
        await bound.bind(await channel.get_exchange(exchange), "")


async def read_queue(queue: str, settle: float = 2.0) -> list[dict[str, Any]]:
    import aio_pika

    connection = await aio_pika.connect_robust("amqp://guest:guest@127.0.0.1:5672/")
    messages: list[dict[str, Any]] = []
    async with connection:
        channel = await connection.channel()
        source = await channel.get_queue(queue)
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < settle:
            message = await source.get(no_ack=True, fail=False)
            if message is None:
                await asyncio.sleep(0.1)
                continue
            messages.append(json.loads(message.body))
            quiet_since = time.monotonic()
    return messages


async def delete_queues(exchange: str, queues: list[str]) -> None:
    import aio_pika

    connection = await aio_pika.connect_robust("amqp://guest:guest@127.0.0.1:5672/")
    async with connection:
        channel = await connection.channel()
        for queue in queues:
            await channel.queue_delete(queue)
        await channel.exchange_delete(exchange)
