"""The Rasa entry point adds the API token in-process and refuses it on the command line."""

from __future__ import annotations

import pytest

from components.rasa_server import CommandLineError, rasa_arguments


def test_the_token_is_added_as_auth_token_and_jwt_secret() -> None:
    arguments = rasa_arguments(["run", "--enable-api"], "s3cr3t")
    assert arguments[:2] == ["run", "--enable-api"]
    assert "--auth-token=s3cr3t" in arguments
    assert "--jwt-secret=s3cr3t" in arguments
    assert arguments[arguments.index("--jwt-method") + 1] == "HS256"


@pytest.mark.parametrize("token", ["-OjX4kq", "--auth", "plain"])
def test_rasa_reads_a_token_that_starts_with_a_dash(token: str) -> None:
    """A generated token starting with "-" stopped Rasa: "expected one argument"."""
    import argparse

    from rasa.cli.arguments.run import add_server_arguments

    parser = argparse.ArgumentParser()
    add_server_arguments(parser)
    parsed = parser.parse_args(rasa_arguments([], token))
    assert parsed.auth_token == token and parsed.jwt_secret == token


@pytest.mark.parametrize("given", [["--auth-token", "x"], ["--jwt-secret=x"]])
def test_a_secret_on_the_command_line_is_refused(given: list[str]) -> None:
    with pytest.raises(CommandLineError, match="visible to everyone"):
        rasa_arguments(["run", *given], "s3cr3t")
