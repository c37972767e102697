"""SARIF 2.1.0: the log code-scanning services and editors read.

One rule per registered check, generated from :data:`aptool.checks.CHECKS`
(id, lockdep's title as the short description, the check's description as
the full one, its default level).  Each finding is a result: its locations
(file, line and the function as a logical location), each lock-order chain
as a thread flow, its key as a partial fingerprint, and, against a
baseline, its ``baselineState`` (new, unchanged; a fixed finding is a
``pass`` result whose state is ``absent``).  Paths are relative to the
checked tree (``uriBaseId`` ``SRCROOT``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aptool import __version__
from aptool.checks import CHECKS, select_checks
from aptool.checks.findings import FIXED, KEPT, NEW, Chain, Finding, Location

if TYPE_CHECKING:
    from aptool.pipeline import CheckResult

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
BASELINE_STATE = {NEW: "new", KEPT: "unchanged", FIXED: "absent"}


def rules() -> list[dict[str, Any]]:
    """One reportingDescriptor per check in the table."""
    return [
        {
            "id": check.id,
            "name": "".join(part.capitalize() for part in check.id.split("-")),
            "shortDescription": {"text": check.finding.title},
            "fullDescription": {"text": check.finding.description},
            "defaultConfiguration": {"level": check.finding.level},
            "properties": {"tags": ["locking", "concurrency"]},
        }
        for check in CHECKS
    ]


def document(result: CheckResult) -> dict[str, Any]:
    """The SARIF log of one run of ``aptool check``."""
    index = {check.id: number for number, check in enumerate(CHECKS)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "aptool",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules(),
            }
        },
        "automationDetails": {"id": f"aptool-check/{result.tip}"},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index, result.baseline is not None) for f in result.findings],
        "properties": {
            "checks": [c.id for c in select_checks(result.checks)],
            "baseline": result.baseline,
            "baselineReason": result.baseline_reason,
        },
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _result(finding: Finding, index: dict[str, int], against_baseline: bool) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.check,
        "message": {"text": f"{finding.headline()}: {finding.message}"},
        "partialFingerprints": {"aptoolKey/v1": f"{finding.check}:{','.join(finding.locks)}"},
        "properties": {"locks": list(finding.locks), "status": finding.status},
    }
    if finding.check in index:
        result["ruleIndex"] = index[finding.check]
    if finding.status == FIXED:
        result["kind"] = "pass"
        result["level"] = "none"
    else:
        result["level"] = finding.level
    if against_baseline:
        result["baselineState"] = BASELINE_STATE[finding.status]
    if finding.locations:
        result["locations"] = [_location(finding.locations[0])]
        if len(finding.locations) > 1:
            result["relatedLocations"] = [
                {**_location(loc), "id": number} for number, loc in enumerate(finding.locations[1:], start=1)
            ]
    if finding.chains:
        result["codeFlows"] = [_code_flow(chain) for chain in finding.chains]
    return result


def _location(location: Location) -> dict[str, Any]:
    data: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": {"uri": location.path, "uriBaseId": "SRCROOT"},
            "region": {"startLine": max(location.line, 1)},
        },
        "logicalLocations": [{"name": location.function, "kind": "function"}],
    }
    if location.note or location.text:
        data["message"] = {"text": location.note or location.text}
    return data


def _code_flow(chain: Chain) -> dict[str, Any]:
    """One dependency: from the entry point down to where ``held`` is taken, then down to ``acquired``."""
    frames = [(loc, "") for loc in chain.entry]
    frames.append((chain.held_at, f"takes {chain.held}"))
    frames += [(loc, "") for loc in chain.steps[:-1]]
    if chain.steps:
        frames.append((chain.steps[-1], f"takes {chain.acquired} while {chain.held} is held"))
    locations = []
    for nesting, (loc, note) in enumerate(frames):
        entry = _location(loc)
        if note:
            entry["message"] = {"text": note}
        locations.append({"location": entry, "nestingLevel": nesting})
    return {
        "message": {"text": f"{chain.held} -> {chain.acquired}"},
        "threadFlows": [{"locations": locations}],
    }
