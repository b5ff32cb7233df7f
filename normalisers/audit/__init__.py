"""Audit of what papers claim about their own changes, against what the extracted lists show.

Pure: extracted documents, their claims and the normalisation in; verdicts (`verdicts.py`) and
findings inside one paper (`findings.py`) out. The rules are data in normalisers/rules/audit.yaml;
the rules of time are the timeline's (timeline.yaml), so the audit and the timeline agree.
"""

from __future__ import annotations

from extractors.claims import Claim
from normalisers.audit.findings import Finding, findings
from normalisers.audit.verdicts import VERDICTS, AuditedClaim, judge_all
from normalisers.timeline import Normalised

__all__ = ["VERDICTS", "AuditedClaim", "Finding", "audit"]


def audit(docs, n: Normalised, claims: dict[str, list[Claim]]) -> tuple[list[AuditedClaim], list[Finding]]:
    """Judge every claim of every document; list each document's internal inconsistencies."""
    return judge_all(docs, n, claims), findings(docs, claims)
