"""`python -m contracts propose`: a reference change from the evidence of drift; `python -m contracts diff OLD NEW`:
whom a change between two versions of a schema file breaks.

    python -m contracts propose [--history DIR] [SUMMARY.json ...] [--from CAPTURE ...] --out DIR [--apply] [--enums]
    python -m contracts diff OLD NEW [--breaking-for clients|providers|any]

`propose` reads the evidence the gate, replay and the Locust run keep in summary.json (the history folder,
reports/history by default, or the summary files named), or judges captures itself (`--from`, HAR or JSON Lines).
It writes the proposed schema files, an RFC 6902 patch per file, one unified diff, contracts/openapi.yaml with its
new version and SUMMARY.md under `--out`; `--apply` also installs them, once the proof holds. One line per
proposed member on stdout; what was read, the verdict and the proof, then the verdict line on stderr.

Exit codes, from the one table (README, "Exit codes"): propose 0 written and proven, 1 the proof fails (written,
never applied), 2 interrupted, 4 bad input, 5 nothing to propose, 65 written and proven but some input could not
be read, 73 a file could not be written; diff 0 not breaking, 1 breaking (for the side `--breaking-for` guards),
4 bad input.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from contracts.core import exits
from contracts.core.credentials import ConfigError
from contracts.core.limits import DEFAULT_MAX_BODY
from contracts.core.redaction import Redactor
from contracts.core.wording import counted
from contracts.lifecycle.outputs import Outputs
from contracts.lifecycle.signals import interruptible
from contracts.reporting.console import Console, stderr, stdout
from contracts.settings import options as shared_options
from contracts.settings.config import check_max_body

if TYPE_CHECKING:
    from contracts.judging.schema_diff import Change
    from contracts.propose.proposal import Proposal
    from contracts.propose.sources import Gathered

DEFAULT_HISTORY = Path("reports") / "history"

# What proposing needs (genson, jsonpatch, the mutation catalogue) is imported when a command runs, not whenever
# `python -m contracts` starts: `serve`, `validate` and `replay` start as fast as they did.


# -- propose ----------------------------------------------------------------------------------------


def run_propose(args: argparse.Namespace) -> int:
    """Read every source, propose, prove, write (and apply); bad input is one line and exit 4 before anything is written."""
    from contracts.propose.files import ProposalError, check_out_dir
    from contracts.propose.sources import environment_secrets, learned_bodies
    from contracts.propose.words import schema_words

    max_body = DEFAULT_MAX_BODY if args.max_body is None else check_max_body(args.max_body)
    out_dir = Path(args.out)
    try:
        check_out_dir(out_dir)  # before anything is read: a mistake costs no time
    except ProposalError as exc:
        raise ConfigError(str(exc)) from None
    environment = environment_secrets()
    console, listing = stderr(), stdout()
    with interruptible() as signals:
        try:
            gathered = _gathered(args, max_body=max_body, environment=environment)
            clean = Redactor((*gathered.secrets, *environment))
            learned = learned_bodies(gathered.captures, max_body=max_body)
            proposal = _proposal(gathered, clean, enums=args.enums, learned=learned)
        except KeyboardInterrupt:
            console.line(f"interrupted by {signals.received or 'SIGINT'}: nothing written")
            console.line(exits.verdict_line(exits.INTERRUPTED))
            return exits.INTERRUPTED
        signals.hold()
        for line in [*gathered.problems, *gathered.passed_over]:
            console.line(clean(line))
        console.line(clean(_evidence_line(gathered, proposal)))
        for skipped in proposal.skipped:
            console.line(clean(f"{skipped.path}: not proposed: {skipped.reason}"))
        if not proposal.members:
            console.line("nothing to propose: no undocumented member to add was seen in the bodies read")
            console.line(exits.verdict_line(exits.NO_CHECK_RAN))
            return exits.NO_CHECK_RAN
        for member in proposal.members:
            if not member.nested:
                listing.line(clean(f"{member.path}: {schema_words(member.schema)}, {_required(member.required)} ({member.evidence})"))
        console.line(f"breaking-change verdict: {proposal.verdict}")
        console.line(clean(f"proof: {'holds' if proposal.proof.holds else 'FAILS'}: the proposal {proposal.proof.sentence()}"))
        outputs = Outputs()
        written = _write(proposal, out_dir, outputs, apply=args.apply and proposal.proof.holds)
        if args.apply and not proposal.proof.holds:
            console.line("not applied: the proof fails; SUMMARY.md says which bodies or variants, fix the evidence or edit by hand")
        if written and not outputs.problems and not args.apply:
            console.line(
                f"review {out_dir / 'SUMMARY.md'}, then apply it: git apply {out_dir / 'proposal.diff'} (or propose again with --apply)"
            )
        judged = _code(proposal, gathered)
        code = exits.with_outputs_lost(judged) if outputs.problems else judged
        console.line(exits.verdict_line(code, judged=judged))
        for line in outputs.lines():
            console.line(clean(line))
    return code


def _gathered(args: argparse.Namespace, *, max_body: int, environment: tuple[str, ...]) -> Gathered:
    from contracts.propose.sources import Gathered, add_capture, add_history, add_summary

    gathered = Gathered()
    for name in args.summaries:
        add_summary(gathered, Path(name))
    for name in args.captures:
        add_capture(gathered, Path(name), max_body=max_body, environment=environment)
    if args.history is not None or not (args.summaries or args.captures):
        add_history(gathered, Path(args.history) if args.history is not None else DEFAULT_HISTORY)
    if not gathered.evidence.runs:
        passed_over = f" ({'; '.join(gathered.passed_over)})" if gathered.passed_over else ""
        raise ConfigError(
            f"no evidence in what was read{passed_over}: run the gate against a deployment (it keeps its history), "
            "or name summary files or --from captures"
        )
    return gathered


def _proposal(gathered: Gathered, clean: Redactor, *, enums: bool, learned: Iterable[tuple[str, object]]) -> Proposal:
    from contracts.propose.files import ProposalError
    from contracts.propose.proposal import propose

    try:
        return propose(gathered.evidence, enums=enums, learned=learned, sources=gathered.sources, clean=clean)
    except ProposalError as exc:
        raise ConfigError(str(exc)) from None


def _write(proposal: Proposal, out_dir: Path, outputs: Outputs, *, apply: bool) -> list[Path]:
    from contracts.judging import schemas
    from contracts.propose.files import ProposalError, installed_openapi_path

    try:
        written = proposal.write(out_dir, outputs)
        if apply and not outputs.problems:
            written += proposal.apply(Path(str(schemas.SCHEMA_DIR)).resolve(), installed_openapi_path(), outputs)
    except ProposalError as exc:
        raise ConfigError(str(exc)) from None
    return written


def _evidence_line(gathered: Gathered, proposal: Proposal) -> str:
    bodies = ", ".join(counted(count, f"{kind} body", f"{kind} bodies") for kind, count in proposal.bodies.items()) or "no bodies"
    runs = gathered.evidence.runs
    return f"evidence: {counted(runs, 'run')}, {bodies}, from {', '.join(gathered.sources)}"


def _required(required: bool) -> str:
    return "required" if required else "optional"


def _code(proposal: Proposal, gathered: Gathered) -> int:
    """The exit status the proposal and the inputs give, before any output could not be written."""
    return exits.VIOLATED if not proposal.proof.holds else exits.UNREADABLE_INPUT if gathered.unreadable else exits.HONOURED


def add_propose_command(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "propose",
        help="propose a reference change from the evidence of drift (gate history, summaries, captures)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("summaries", nargs="*", default=[], metavar="SUMMARY.json", help="summary files the gate, replay or Locust wrote")
    command.add_argument(
        "--history", metavar="DIR", help=f"a history folder of runs (default, when nothing else is named: {DEFAULT_HISTORY})"
    )
    command.add_argument(
        "--from", dest="captures", action="extend", nargs="+", default=[], metavar="CAPTURE", help="HAR or JSON Lines captures to judge"
    )
    command.add_argument("--out", required=True, metavar="DIR", help="where the proposal is written (never the schemas folder)")
    command.add_argument("--apply", action="store_true", help="also replace the installed schema files and openapi.yaml, once proven")
    command.add_argument("--enums", action="store_true", help="propose an enum where few distinct values were seen")
    shared_options.add_to_argparse(command, (shared_options.MAX_BODY,))
    command.set_defaults(run=run_propose, parser=command)


# -- diff -------------------------------------------------------------------------------------------


def run_diff(args: argparse.Namespace) -> int:
    """Each change from OLD to NEW on stdout, whom the changes break and the verdict line on stderr."""
    from contracts.judging.schema_diff import UnresolvedSchema, classify, exit_code, tree_of

    old, new = Path(args.old), Path(args.new)
    trees = []
    for path, other in ((old, new), (new, old)):
        if not path.is_file():
            raise ConfigError(f"{path}: {'no such file' if not path.exists() else 'not a file'}: give two schema files")
        try:  # a copy taken out of the repository resolves its references among the other file's neighbours
            trees.append(tree_of(path, beside=[other.parent]))
        except (UnresolvedSchema, ValueError, OSError) as exc:
            raise ConfigError(f"{path}: {exc}") from None
    with interruptible():
        out, err = stdout(), stderr()
        changes = classify(*trees)
        for change in changes:
            out.line(str(change))
        _diff_summary(err, changes, args.breaking_for)
        code = exit_code(changes, breaking_for=args.breaking_for)
        err.line(exits.verdict_line(code))
    return code


def _diff_summary(err: Console, changes: list[Change], breaking_for: str) -> None:
    from contracts.judging.schema_diff import COMPATIBLE, verdict

    breaking = sum(change.breaks != COMPATIBLE for change in changes)
    said = f"{counted(len(changes), 'change')}, {breaking} breaking"
    guarded = "" if breaking_for == "any" else f" (exit 1 only when {breaking_for} break)"
    err.line(f"{said}: {verdict(changes) if changes else 'no change'}{guarded}")


def add_diff_command(commands: argparse._SubParsersAction) -> None:
    command = commands.add_parser(
        "diff",
        help="whom a change between two versions of a schema file breaks: clients, providers, or no one",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument(
        "old", metavar="OLD", help="the schema file as it is (e.g. `git show main:schemas/organization.schema.json > old.json`)"
    )
    command.add_argument("new", metavar="NEW", help="the schema file as changed")
    command.add_argument(
        "--breaking-for",
        choices=("clients", "providers", "any"),
        default="any",
        help="which side's breakage exits 1 (default: any)",
    )
    command.set_defaults(run=run_diff, parser=command)
