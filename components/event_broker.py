"""An event broker that redacts every event before the inner broker publishes it.

``endpoints.production.yml``::

    event_broker:
      type: components.event_broker.RedactingEventBroker
      inner:
        type: pika
        url: ${RABBITMQ_HOST}
        ...

The tracker store already hands the broker redacted events; this wrapper is the
second line for everything else that publishes (``rasa export`` reads stored
trackers and publishes them, and a fallback store may publish what it got). Rasa
builds a custom broker with ``from_endpoint_config(broker_config)``; the ``inner``
section is built the way Rasa builds any broker.
"""

from __future__ import annotations

from asyncio import AbstractEventLoop
from collections.abc import Mapping
from typing import Any

from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig

from components.redaction import redact_event_dict


class EventBrokerConfigError(ValueError):
    """The ``inner`` section of the event broker configuration is missing or unusable."""


class RedactingEventBroker(EventBroker):
    """Publishes redacted copies of events through an inner broker."""

    def __init__(self, inner: EventBroker) -> None:
        """Wrap ``inner``."""
        self.inner = inner

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: EndpointConfig,
        event_loop: AbstractEventLoop | None = None,
    ) -> RedactingEventBroker:
        """Build the inner broker from the ``inner`` section and wrap it.

        Raises:
            EventBrokerConfigError: when ``inner`` is missing or builds no broker.

        """
        section = broker_config.kwargs.get("inner")
        if not isinstance(section, Mapping):
            raise EventBrokerConfigError(
                "event_broker: RedactingEventBroker needs an 'inner' section, e.g. "
                "inner: {type: pika, url: 127.0.0.1, username: guest, password: guest}"
            )
        inner = await EventBroker.create(EndpointConfig.from_dict(dict(section)), event_loop)
        if inner is None:
            raise EventBrokerConfigError(f"event_broker: no broker for inner {dict(section)}")
        return cls(inner)

    def publish(self, event: dict[str, Any], **kwargs: Any) -> None:
        """Publish a redacted copy of ``event`` (extra arguments such as headers pass on)."""
        self.inner.publish(redact_event_dict(event), **kwargs)

    def is_ready(self) -> bool:
        """Whether the inner broker is ready."""
        ready: bool = self.inner.is_ready()
        return ready

    async def close(self) -> None:
        """Close the inner broker."""
        await self.inner.close()
