"""What a lab check finds: one :class:`Outcome` per check, measurement and GPU, and the :class:`PolicyReport` of a
``tpp check``; the helpers every check shares to word a number or a measurement the run lacks."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Outcome", "PolicyReport", "fmt", "absent", "not_measured"]


@dataclass
class Outcome:
    """One check on one measurement of one GPU."""

    gpu: str
    device: str
    check: str
    measurement: str
    status: str            # pass | fail | warn | skip
    value: float | None = None
    limit: float | None = None
    reference: float | None = None
    by: float | None = None   # how far past the limit (positive: failed by that much), in the limit's unit
    message: str = ""

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class PolicyReport:
    outcomes: list[Outcome]
    checks: list[str]
    warnings: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "fail"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0

    def as_dict(self) -> dict:
        counts = {s: sum(o.status == s for o in self.outcomes) for s in ("pass", "fail", "warn", "skip")}
        return {"kind": "tpp-check", "version": 1, "checks": self.checks, "counts": counts,
                "outcomes": [o.as_dict() for o in self.outcomes], "warnings": self.warnings,
                "exit_code": self.exit_code}


def fmt(x) -> str:
    return "n/a" if x is None else f"{x:,.4g}"


def absent(gid: str, model: str, check: str, tag: str, missing: str, why: str, ref=None) -> Outcome:
    """A measurement the reference (baseline, peers, datasheet limit) has and this run lacks: fail, or skip when
    the policy says ``missing = "skip"``; never left out of the report."""
    status = "skip" if missing == "skip" else "fail"
    tail = ' (missing = "skip")' if status == "skip" else ""
    return Outcome(gid, model, check, tag, status, reference=ref, message=why + tail)


def not_measured(r: dict | None) -> str:
    if r is None:
        return "not in this run"
    return f"not measured in this run ({r.get('skipped') or r.get('error') or 'no samples'})"
