"""`python -m contracts serve` runs the reference server; `validate` checks payloads; `replay` judges recorded traffic;
`propose` turns the evidence of drift into a reference change; `diff` says whom a change to a schema file breaks.

Every command ends the way the gate does: a mistake in its options or files is one line and exit 4, Ctrl-C and
SIGTERM exit 2, and each exit status means what the one table says (README, "Exit codes")."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from contracts.core import exits
from contracts.core.credentials import ConfigError, Credentials, check_secret, credentials_from_env
from contracts.lifecycle.signals import interruptible
from contracts.propose.cli import add_diff_command, add_propose_command
from contracts.replay.cli import add_command as add_replay_command
from contracts.reporting.console import stderr
from contracts.validate import add_command as add_validate_command


def serve(args: argparse.Namespace) -> int:
    from contracts.transport.server import start_reference_server

    credentials: Credentials | None
    if args.token is not None:
        credentials, source = Credentials.bearer(check_secret("--token", args.token)), "--token"
    else:
        credentials, source = credentials_from_env(), "the environment"
        if credentials is None:
            credentials, source = Credentials.generated(), "generated"
    _check_port_free(args.host, args.port)
    server = start_reference_server(credentials, host=args.host, port=args.port, quiet=False)
    shown = f"bearer token {credentials.token}" if source == "generated" else f"{credentials.describe()} from {source}"
    print(f"reference server on {server.url}/account/organization; credentials: {shown}", flush=True)
    with interruptible():  # Ctrl-C or SIGTERM stops it: the normal end of a server, exit 0
        try:
            server.wait()
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
    return 0


def _check_port_free(host: str, port: int) -> None:
    """werkzeug reports a busy port on two lines and exits; say it in one, with the fix."""
    import socket

    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise OSError(f"cannot listen on {host}:{port} ({exc.strerror}): choose another --port") from None


def port_number(text: str) -> int:
    """A TCP port, 0 (any free one) to 65535; argparse turns the error into one usage line, exit 2."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number: give 0 to 65535 (0 picks a free port)")
    return port


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error exits with the table's code for bad configuration, not argparse's 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(exits.BAD_CONFIGURATION, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m contracts", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="run the embedded reference server")
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=port_number, default=8080)
    serve_cmd.add_argument(
        "--token", help="bearer token to require (default: CONTRACT_API_TOKEN / CONTRACT_CLIENT_ID+SECRET, else generated)"
    )
    serve_cmd.set_defaults(run=serve)
    add_validate_command(commands)
    add_replay_command(commands)
    add_propose_command(commands)
    add_diff_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extras = parser.parse_known_args(argv)
    # argparse stops filling `validate KIND [FILE ...]` at an option between KIND and the files
    # (`validate organization --jsonl a.jsonl`); the rest are still files, not unknown arguments.
    unknown = [e for e in extras if e.startswith("-") and e != "-"]
    if extras and args.command == "validate" and not unknown:
        args.files.extend(extras)
    elif extras:  # name only what was not understood, in the command's own usage
        getattr(args, "parser", parser).error(f"unrecognized arguments: {' '.join(unknown or extras)}")
    try:
        return args.run(args)
    except (ConfigError, OSError) as exc:
        stderr().line(f"error: {exc}")
        return exits.BAD_CONFIGURATION
    except KeyboardInterrupt:  # before a command set up its own handling, or after it ended
        stderr().line(exits.verdict_line(exits.INTERRUPTED))
        return exits.INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
