"""What every analysis module shares: the day asked about, the rules in scope, a single chip by name, the
thresholds each rule declares (read from the rule's data, never restated) and the H100 reference TPP."""

from __future__ import annotations

import datetime as _dt

from tpp.classification import classify
from tpp.errors import InputError
from tpp.rules import Facts, Rule, Step, rule_by_id
from tpp.specs import Accelerator

__all__ = ["day_or_today", "in_scope", "one_chip", "rule_structure", "rule_threshold", "h100_tpp",
           "H100_REFERENCE_ID"]

#: The part whose TPP defines one "H100-equivalent" (15,832 in the shipped database).
H100_REFERENCE_ID = "nvidia-h100-sxm"
_H100_FALLBACK_TPP = 15_832.0  # REGULATIONS.md check value; used only when an overlay removes the H100 SXM entry


def day_or_today(as_of: _dt.date | None) -> _dt.date:
    return as_of or _dt.date.today()


def in_scope(rule: Rule, day: _dt.date) -> bool:
    """The rules headroom and design consider: those in force that day, and the bills."""
    return rule.in_force(day) or rule.status == "proposal"


def rule_structure(rule: Rule, day: _dt.date, *, kind: str = "accelerator", has_hbm: bool | None = None,
                   advanced_logic: bool | None = True) -> tuple[Step, ...]:
    """Every comparison ``rule`` can make of a chip on ``day``, read from the thresholds the rule declares.

    The returned steps carry the rule's labels, quantities, operators and thresholds in evaluation order, with no
    value (they are the rule's lines, not a chip's comparisons).
    """
    facts = Facts("structure", kind=kind, has_hbm=has_hbm, advanced_logic=advanced_logic)
    return tuple(th.test(None) for th in rule.comparisons(day, facts))


def rule_threshold(rule_id: str, quantity: str, day: _dt.date | None = None, label: str | None = None) -> Step:
    """The first comparison of a rule on ``quantity`` (optionally with ``label``): for plots and notes."""
    for s in rule_structure(rule_by_id(rule_id), day_or_today(day)):
        if s.quantity == quantity and (label is None or s.label == label):
            return s
    raise KeyError((rule_id, quantity, label))


def one_chip(db, name: str, where: str = "") -> Accelerator:
    """The single accelerator ``name`` names (a family or an HBM stack is an error naming what it matched)."""
    chips = db.lookup(name)
    if len(chips) > 1:
        raise InputError(f"{where}{name!r} names {len(chips)} parts ({', '.join(c.id for c in chips)}): name one")
    chip = chips[0]
    if not isinstance(chip, Accelerator):
        raise InputError(f"{where}{name!r} is a memory stack, not an accelerator")
    return chip


def h100_tpp(db) -> float:
    """The TPP of one H100-equivalent: the database's H100 SXM, else the REGULATIONS.md check value."""
    chip = db.get(H100_REFERENCE_ID)
    if chip is not None:
        t = classify(chip).tpp
        if t:
            return t
    return _H100_FALLBACK_TPP
