"""Start ``rasa run`` with the HTTP API's secret kept off the command line.

``rasa run --auth-token T`` puts the token in the process's command line, which
every user of the machine reads with ``ps``. This entry point takes the same
arguments without any secret, reads the token the way every process reads its
secrets (:mod:`bot.settings`: the ``RASA_TOKEN`` environment variable or
``var/secrets/rasa_token``) and hands it to Rasa's own command-line code
in-process, as ``--auth-token`` and as the ``--jwt-secret`` (HS256) with which
the console signs its requests (:mod:`bot.engine`). The command line the system
shows stays the one this module was started with.

    python -m components.rasa_server run --model models/advieslijn.tar.gz --enable-api ...
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from bot.logsafe import install as install_log_scrubber
from bot.settings import SettingsError, declare_process, get_settings

SECRET_OPTIONS = ("--auth-token", "--jwt-secret", "--jwt-private-key")
JWT_METHOD = "HS256"


class CommandLineError(ValueError):
    """A secret was given on the command line, where ``ps`` shows it."""


def rasa_arguments(argv: Sequence[str], token: str) -> list[str]:
    """Return Rasa's arguments: ``argv`` plus the API token and the JWT secret.

    Raises:
        CommandLineError: when ``argv`` already holds a secret option.

    """
    given = [a for a in argv if a.split("=", 1)[0] in SECRET_OPTIONS]
    if given:
        raise CommandLineError(
            f"{', '.join(sorted(set(a.split('=', 1)[0] for a in given)))} on the command line "
            "is visible to everyone: set RASA_TOKEN or var/secrets/rasa_token instead"
        )
    # "--option=value": a generated token may start with "-", which argparse would
    # otherwise take for an option ("--auth-token: expected one argument")
    return [*argv, f"--auth-token={token}", f"--jwt-secret={token}", "--jwt-method", JWT_METHOD]


def main(argv: Sequence[str] | None = None) -> None:
    """Run Rasa's command line with the secrets added in-process."""
    # Scrub every record from the first one on; the logging configuration that
    # scripts/serve.py passes (config/logging.yml) installs it again, idempotently.
    install_log_scrubber()
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        declare_process("rasa")  # only the Rasa server's secrets (bot/settings.py)
        secrets = get_settings().secrets
        # conversation ids in the log as hashes under the installation's key
        install_log_scrubber(secrets.log_key)
        full = rasa_arguments(arguments, secrets.require("rasa_token"))
    except (SettingsError, CommandLineError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    from rasa.__main__ import main as rasa_main

    # Rasa's parser reads sys.argv; changing it here does not change /proc/<pid>/cmdline.
    sys.argv = ["rasa", *full]
    rasa_main()


if __name__ == "__main__":
    main()
