"""Issue 11, items 8 and 6: the public port serves the channels only, and client
addresses behind a proxy are believed from trusted proxies only.

The rules (:mod:`bot.channels.network`) alone, then the REST and socket.io channels in
a real Sanic server of this process, with a stand-in for Rasa's HTTP API routes.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from rasa.core.channels.channel import InputChannel
from rasa.shared.core.domain import Domain
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.network import client_address, is_local_operator, is_public_path
from components.channels.guard import ChannelGuard
from components.channels.rest import AdvieslijnRestInput
from components.channels.socketio import AdvieslijnSocketIOInput
from tests.unit.test_socketio_channel import (
    ORIGIN,
    Client,
    Server,
    domain,
    new_id,
    run,
    sanic_test_mode,
    started,
    widget_settings,
)

__all__ = ["domain", "sanic_test_mode"]  # fixtures used from the channel's tests

# Rasa's HTTP API on the same port (rasa/server.py), and odd spellings of it.
API_PATHS = [
    "/",
    "/version",
    "/status",
    "/conversations/abc/tracker",
    "/conversations/abc/messages",
    "/conversations/abc/execute",
    "/conversations/abc/trigger_intent",
    "/conversations/abc/predict",
    "/conversations/abc/story",
    "/model",
    "/model/parse",
    "/model/train",
    "/model/test/stories",
    "/model/test/intents",
    "/model/predict",
    "/domain",
    "/webhooks",  # not a channel: no slash after it
    "/socket.io.evil",
]
PROXY = "127.0.0.1"


# --- the rules -------------------------------------------------------------------------


@pytest.mark.parametrize("path", API_PATHS)
def test_api_paths_are_not_public(path: str) -> None:
    assert not is_public_path(path, ["/socket.io"])


@pytest.mark.parametrize(
    "path", ["/webhooks/rest/webhook", "/webhooks/telegram/webhook", "/socket.io/", "/socket.io"]
)
def test_channel_paths_are_public(path: str) -> None:
    assert is_public_path(path, ["/socket.io"])


def test_only_loopback_without_forwarding_headers_is_an_operator() -> None:
    assert is_local_operator("127.0.0.1", {"Host": "x"})
    assert is_local_operator("::1", {})
    assert is_local_operator("::ffff:127.0.0.1", {})
    assert not is_local_operator("10.1.2.3", {})
    assert not is_local_operator("127.0.0.1", {"X-Forwarded-For": "203.0.113.9"})
    assert not is_local_operator("127.0.0.1", {"forwarded": "for=203.0.113.9"})
    assert not is_local_operator("127.0.0.1", {"X-Real-IP": "203.0.113.9"})
    assert not is_local_operator(None, {})


def test_forwarded_for_counts_from_trusted_proxies_only() -> None:
    trusted = ("127.0.0.1", "10.0.0.0/8")
    # no proxy trusted: the peer, whatever the header says
    assert client_address("127.0.0.1", ["203.0.113.9"], ()) == "127.0.0.1"
    # an untrusted peer cannot choose its address
    assert client_address("198.51.100.7", ["203.0.113.9"], trusted) == "198.51.100.7"
    # a trusted proxy: the rightmost address that is not a trusted proxy
    assert client_address("127.0.0.1", ["203.0.113.9"], trusted) == "203.0.113.9"
    assert client_address("127.0.0.1", ["6.6.6.6, 203.0.113.9, 10.0.0.5"], trusted) == (
        "203.0.113.9"
    )
    assert client_address("127.0.0.1", ["6.6.6.6", "203.0.113.9"], trusted) == "203.0.113.9"
    assert client_address("127.0.0.1", ["[2001:db8::1]:443"], trusted) == "2001:db8::1"
    # nothing usable: the proxy's own address
    assert client_address("127.0.0.1", [], trusted) == "127.0.0.1"
    assert client_address("127.0.0.1", ["zz, 10.0.0.5"], trusted) == "127.0.0.1"


# --- on a real Sanic server ------------------------------------------------------------


@asynccontextmanager
async def serving_with_api(channel: InputChannel, domain: Domain) -> AsyncIterator[Server]:
    server = Server(channel, domain)
    app = Sanic(f"test_{uuid.uuid4().hex}")
    app.ctx.agent = server.agent

    async def api(_: Request, **__: Any) -> HTTPResponse:
        return response.json({"version": "3.6.21"})

    for path in API_PATHS:
        app.add_route(api, path, methods=["GET", "POST"], name=f"api{abs(hash(path))}")
    app.blueprint(channel.blueprint(server.on_new_message), url_prefix="/webhooks/rest")
    async with started(app, server.port):
        yield server


def rest_channel(tmp_path: Path, **env: str) -> AdvieslijnRestInput:
    channel = AdvieslijnRestInput()
    channel.guard = ChannelGuard(widget_settings(tmp_path, **env))
    return channel


def test_the_http_api_is_refused_to_public_clients(domain: Domain, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with serving_with_api(rest_channel(tmp_path), domain) as server:
            public = {"X-Forwarded-For": "203.0.113.9"}
            async with aiohttp.ClientSession() as http:
                for path in API_PATHS:
                    for method in ("GET", "POST"):
                        async with http.request(method, server.url + path, headers=public) as r:
                            assert r.status == 404, (method, path)
                            assert "3.6" not in await r.text()
                        async with http.request(method, server.url + path) as local:
                            assert local.status == 200, (method, path)  # the console, tests
                # the channel still works for public clients
                body = {"sender": "publiek", "message": "hallo"}
                async with http.post(
                    server.url + "/webhooks/rest/webhook", json=body, headers=public
                ) as answer:
                    assert answer.status == 200
                    assert (await answer.json())[0]["text"].startswith("Je schreef")

    run(scenario)


def test_the_socket_stays_public(domain: Domain, tmp_path: Path) -> None:
    channel = AdvieslijnSocketIOInput(settings=widget_settings(tmp_path))

    async def scenario() -> None:
        async with serving_with_api(channel, domain) as server:
            client = Client()
            await client.sio.connect(
                server.url,
                headers={"Origin": ORIGIN, "X-Forwarded-For": "203.0.113.9"},
                transports=["polling"],
            )
            conversation = await client.session(new_id())
            await client.say("hallo", conversation)
            await asyncio.wait_for(_until(lambda: client.bot), 10)
            async with aiohttp.ClientSession() as http:
                headers = {"X-Forwarded-For": "203.0.113.9"}
                async with http.get(server.url + "/version", headers=headers) as refused:
                    assert refused.status == 404
            await client.close()

    run(scenario)


async def _until(condition: Any) -> None:
    while not condition():
        await asyncio.sleep(0.02)


async def _post(http: aiohttp.ClientSession, url: str, sender: str, forwarded: str) -> int:
    body = {"sender": sender, "message": "hallo"}
    headers = {"X-Forwarded-For": forwarded}
    async with http.post(url + "/webhooks/rest/webhook", json=body, headers=headers) as r:
        return r.status


def test_behind_a_trusted_proxy_each_client_has_its_own_bucket(
    domain: Domain, tmp_path: Path
) -> None:
    channel = rest_channel(tmp_path, ADVIESLIJN_RATE_ADDRESS="2/minute", TRUSTED_PROXIES=PROXY)

    async def scenario() -> None:
        async with serving_with_api(channel, domain) as server, aiohttp.ClientSession() as http:
            one = [await _post(http, server.url, f"a{i}", "203.0.113.1") for i in range(3)]
            assert one == [200, 200, 429]
            # another client behind the same proxy is not refused with the first
            assert await _post(http, server.url, "b", "203.0.113.2") == 200
            # a client cannot pick a fresh bucket by adding addresses on the left
            assert await _post(http, server.url, "c", "9.9.9.9, 203.0.113.1") == 429

    run(scenario)


def test_forwarded_for_from_an_untrusted_peer_is_ignored(domain: Domain, tmp_path: Path) -> None:
    channel = rest_channel(tmp_path, ADVIESLIJN_RATE_ADDRESS="2/minute")

    async def scenario() -> None:
        async with serving_with_api(channel, domain) as server, aiohttp.ClientSession() as http:
            codes = [await _post(http, server.url, f"s{i}", f"203.0.113.{i}") for i in range(3)]
            assert codes == [200, 200, 429]  # one peer, one bucket

    run(scenario)
