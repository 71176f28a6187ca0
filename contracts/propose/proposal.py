"""From evidence of drift to a reviewed reference change: the schema files as they would read, and why.

The gate lists undocumented members run after run; turning that list into a schema change by hand means
guessing types and formats from a few examples and not knowing whom the edit breaks. `propose(evidence)`
writes the change from the evidence itself and says what it rests on:

- each new member where it belongs, with its types, format and required-ness as the evidence supports them
  (`builder`), in the house layout (`style`), so the diff shows the members added and nothing else; an RFC
  6902 patch per file, one unified diff, and the new `info.version` of contracts/openapi.yaml (`files`);
- the breaking-change verdict (`schema_diff.classify`) and the proof (`mutations.prove`: every learned body
  still accepted, every contract-breaking variant of the current reference still refused), in the Markdown
  summary a reviewer pastes into the pull request, each member with its evidence in words (`words`).

Nothing is written by `propose`: `Proposal.write(out_dir)` writes the proposal beside the project, and only
`Proposal.apply(schema_dir)` replaces schema files. Both write each file whole (`lifecycle.outputs`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from contracts.core.wording import counted
from contracts.judging import schemas
from contracts.judging.evidence import Evidence
from contracts.judging.evidence_form import KindEvidence
from contracts.judging.looks_like import FORMATS
from contracts.judging.mutations import Proof, prove
from contracts.judging.schema_diff import COMPATIBLE, Change, classify, inlined, verdict
from contracts.lifecycle.outputs import Outputs
from contracts.propose.builder import GATE_FORMATS, Builder, ProposedMember, Skipped
from contracts.propose.files import (
    OPENAPI_FILE,
    FileChange,
    ProposalError,
    check_out_dir,
    file_change,
    installed_openapi,
    installed_texts,
    openapi_change,
    openapi_version,
)
from contracts.propose.words import cell, code, required_word, schema_words

__all__ = ["GATE_FORMATS", "FileChange", "Proposal", "ProposalError", "ProposedMember", "Skipped", "openapi_change", "propose"]


def _identity(text: str) -> str:
    return text


@dataclass(frozen=True)
class Proposal:
    """The proposed reference change: files, members, verdict and proof, in memory until written."""

    members: tuple[ProposedMember, ...]
    skipped: tuple[Skipped, ...]
    files: tuple[FileChange, ...]  # the schema files changed
    openapi: FileChange | None
    changes: Mapping[str, tuple[Change, ...]]  # kind -> every change from the current schema, from the client's side
    proof: Proof
    runs: int
    bodies: Mapping[str, int]  # kind -> bodies the evidence counts
    notes: tuple[str, ...] = ()  # about the evidence as a whole (where it was read, truncated, members dropped)
    clean: Callable[[str], str] = field(default=_identity, repr=False, compare=False)

    @property
    def verdict(self) -> str:
        return verdict([change for changes in self.changes.values() for change in changes])

    def summary(self) -> str:
        """Markdown for the pull request: each member with its evidence, flags, the verdict and the proof."""
        return self.clean(_summary(self))

    def diff(self) -> str:
        """Every change as one unified diff, to `git apply` from the repository's root."""
        return "".join(change.diff for change in (*self.files, *([self.openapi] if self.openapi else [])))

    def texts(self) -> dict[str, str]:
        """What `write` writes, by path under the folder: schemas/*.schema.json as proposed, patches/*.patch.json
        (RFC 6902), contracts/openapi.yaml, proposal.diff and SUMMARY.md."""
        texts = {change.name: change.new for change in self.files}
        texts |= {
            f"patches/{Path(change.name).name}.patch.json": json.dumps(list(change.patch or ()), indent=2) + "\n" for change in self.files
        }
        if self.openapi is not None:
            texts[self.openapi.name] = self.openapi.new
        return texts | {"proposal.diff": self.diff(), "SUMMARY.md": self.summary()}

    def write(self, out_dir: Path | str, outputs: Outputs | None = None) -> list[Path]:
        """Write the proposal under `out_dir`, never over the installed schemas or into their folder (ProposalError),
        each file whole. Returns the files written; one that could not be is a problem line in `outputs`."""
        out, outputs = Path(out_dir), outputs if outputs is not None else Outputs()
        texts = self.texts()
        check_out_dir(out, list(texts))
        return [out / name for name, text in texts.items() if outputs.write_text(out / name, text)]

    def apply(self, schema_dir: Path | str, openapi_path: Path | str | None = None, outputs: Outputs | None = None) -> list[Path]:
        """Replace the schema files in `schema_dir` (and `openapi_path`) by the proposed ones, each only if it
        still reads as the proposal found it: a file edited since is not overwritten (ProposalError)."""
        outputs = outputs if outputs is not None else Outputs()
        targets = [(Path(schema_dir) / Path(change.name).name, change) for change in self.files]
        if self.openapi is not None and openapi_path is not None:
            targets.append((Path(openapi_path), self.openapi))
        for path, change in targets:
            if path.read_text(encoding="utf-8") != change.old:
                raise ProposalError(f"{path} changed since the proposal was made: propose again")
        return [path for path, change in targets if outputs.write_text(path, change.new)]


# -- making it --------------------------------------------------------------------------------------


def propose(
    evidence: Evidence,
    *,
    enums: bool = False,
    formats: Collection[str] = GATE_FORMATS,
    learned: Iterable[tuple[str, object]] = (),
    schema_texts: Mapping[str, str] | None = None,
    openapi_text: str | None = None,
    sources: Sequence[str] = (),
    clean: Callable[[str], str] = _identity,
) -> Proposal:
    """The reference change the evidence supports. `enums`: propose an enum where few distinct values were seen.
    `formats`: those a member may be given (the gate's live ones by default). `learned`: (kind, document) pairs
    the evidence came from, replayed by the proof (streamed). `schema_texts` (file name -> text) and
    `openapi_text` default to the installed files. `sources`: where the evidence was read, for the summary.
    `clean`: the redactor, applied to the summary, and a guard: a proposed file it would change is refused
    (ProposalError)."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ProposalError(f"unknown format(s) {', '.join(sorted(unknown))}: expected some of {', '.join(FORMATS)}")
    texts = dict(schema_texts) if schema_texts is not None else installed_texts()
    old_documents = {name: json.loads(text) for name, text in texts.items()}
    documents = json.loads(json.dumps(old_documents))  # edited in place below
    builder = Builder(documents, enums=enums, formats=frozenset(formats))
    members: list[ProposedMember] = []
    skipped: list[Skipped] = []
    notes = [f"read from {', '.join(sources)}"] if sources else []
    for kind, record in evidence.kinds.items():
        if kind not in schemas.KINDS:
            notes.append(f"evidence for {kind!r} bodies ignored: no schema documents them")
            continue
        found, passed = builder.add_kind(kind, record)
        members.extend(found)
        skipped.extend(passed)
        notes.extend(_evidence_notes(kind, record))
    changed = sorted({member.file for member in members})
    files = tuple(file_change(name, texts[name], old_documents[name], documents[name]) for name in changed)
    kinds = sorted({member.kind for member in members})
    old_trees = {kind: inlined(old_documents[schemas.KINDS[kind]], old_documents) for kind in kinds}
    new_trees = {kind: inlined(documents[schemas.KINDS[kind]], documents) for kind in kinds}
    changes = {kind: tuple(classify(old_trees[kind], new_trees[kind])) for kind in kinds}
    proof = prove(new_trees, learned, reference=old_trees, clean=clean) if kinds else Proof()
    every_change = [change for kind_changes in changes.values() for change in kind_changes]
    openapi = openapi_change(openapi_text if openapi_text is not None else installed_openapi(), every_change) if files else None
    for change in (*files, *([openapi] if openapi else [])):
        if clean(change.new) != change.new:
            raise ProposalError(f"{change.name}: the proposed text would carry a credential; not proposed")
    bodies = {kind: record.bodies for kind, record in evidence.kinds.items()}
    return Proposal(tuple(members), tuple(skipped), files, openapi, changes, proof, evidence.runs, bodies, tuple(notes), clean)


def _evidence_notes(kind: str, record: KindEvidence) -> list[str]:
    notes = []
    if record.truncated:
        notes.append(f"{kind}: more paths were seen than the evidence keeps; the least seen were shed, and counts may be low")
    if record.dropped:
        notes.append(f"{kind}: {record.dropped} member occurrence(s) not kept (caps on paths, depth, array items, or unusable names)")
    return notes


# -- the summary ------------------------------------------------------------------------------------


def _summary(proposal: Proposal) -> str:
    lines = ["# Reference change proposed from observed drift", ""]
    bodies = ", ".join(counted(count, f"{kind} body", f"{kind} bodies") for kind, count in proposal.bodies.items()) or "no bodies"
    lines += [f"Evidence: {counted(proposal.runs, 'run')}; {bodies}.", ""]
    lines += [f"- {note}" for note in proposal.notes] + ([""] if proposal.notes else [])
    if not proposal.members:
        lines += ["No undocumented member to propose.", ""]
    for change in proposal.files:
        file = Path(change.name).name
        rows = [member for member in proposal.members if member.file == file]
        lines += [f"## {code(change.name)}", "", "| member | schema | required | evidence |", "|---|---|---|---|"]
        lines += [
            f"| {code(m.path)} | {cell(schema_words(m.schema))} | {required_word(m.path, m.required)} | {cell(m.evidence)} |" for m in rows
        ]
        flagged = [member for member in rows if member.flags]
        if flagged:
            lines += ["", "Flagged for review:", ""]
            lines += [f"- {code(member.path)}: {flag}" for member in flagged for flag in member.flags]
        lines.append("")
    if proposal.skipped:
        lines += ["## Seen but not proposed", ""]
        lines += [f"- {code(skip.path)} ({skip.kind}): {skip.reason}" for skip in proposal.skipped]
        lines.append("")
    lines += _verdict_lines(proposal)
    lines += ["## Proof", ""]
    if proposal.members:
        outcome = "holds" if proposal.proof.holds else "FAILS"
        lines += [f"**The proof {outcome}**: the proposal {proposal.proof.sentence()} (its mutation catalogue).", ""]
        lines += [f"- refused: {code(refusal)}" for refusal in proposal.proof.refusals]
        lines += [f"- lets pass: {code(survivor)}" for survivor in proposal.proof.survivors]
        lines += [""] if proposal.proof.refusals or proposal.proof.survivors else []
    else:
        lines += ["Nothing proposed, nothing to prove.", ""]
    lines += _file_lines(proposal)
    return "\n".join(lines).rstrip("\n") + "\n"


def _verdict_lines(proposal: Proposal) -> list[str]:
    lines = ["## Breaking-change verdict", ""]
    every = [(kind, change) for kind, changes in proposal.changes.items() for change in changes]
    if not every:
        return [*lines, "No change to any schema.", ""]
    lines += [
        f"**{proposal.verdict}**, from the client's side of the response: a change that takes a promise away breaks clients; "
        "one that adds a promise (a required member) breaks providers already deployed that do not keep it. "
        "A member required here was carried by every body seen.",
        "",
        "| body | path | change | breaks |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {kind} | {code(change.path)} | {cell(change.what)} | {change.breaks if change.breaks != COMPATIBLE else 'no one'} |"
        for kind, change in every
    ]
    return [*lines, ""]


def _file_lines(proposal: Proposal) -> list[str]:
    if not proposal.files:
        return []
    lines = ["## Files", ""]
    for change in proposal.files:
        name = Path(change.name).name
        lines.append(f"- {code(change.name)}: {len(change.patch or ())} JSON Patch operation(s) in {code(f'patches/{name}.patch.json')}")
    if proposal.openapi is not None:
        before, after = openapi_version(proposal.openapi.old), openapi_version(proposal.openapi.new)
        lines.append(f"- {code(proposal.openapi.name)}: `info.version` {before} → {after} (the bodies' schemas are referenced from it)")
    else:
        lines.append(f"- {code(OPENAPI_FILE)}: unchanged (no semantic `info.version` found to bump)")
    lines += [f"- {code('proposal.diff')}: every change as one unified diff (`git apply proposal.diff`)", ""]
    return lines
