"""What-if analysis over the rules: headroom, the design solver, systems, fleets and measured points.

Nothing here restates a threshold: the lines a rule can draw are read from the thresholds it declares
(:func:`rule_structure`), and outcomes are always decided by :func:`tpp.classification.classify` (or
``classify_hypothetical``), so a change to a rule flows through headroom, the design solver and the plots.

Modules: ``common`` (shared helpers), ``headroom``, ``design``, ``systems``, ``inventory`` (ledger files),
``fleet``, ``measured``.
"""

from tpp.analysis.common import H100_REFERENCE_ID, h100_tpp, rule_structure, rule_threshold
from tpp.analysis.design import OUTCOMES, Bound, Design, design, design_for
from tpp.analysis.fleet import Fleet, Shipment, fleet
from tpp.analysis.headroom import Change, Headroom, HeadroomRow, headroom
from tpp.analysis.inventory import InventoryRow, iter_inventory, open_inventory, parse_inventory, read_inventory
from tpp.analysis.measured import Measured, measured_point, parse_measured, read_measured
from tpp.analysis.systems import System, parse_system, system

__all__ = ["rule_structure", "rule_threshold", "Change", "HeadroomRow", "Headroom", "headroom", "OUTCOMES", "Bound",
           "Design", "design", "design_for", "System", "system", "parse_system", "InventoryRow", "parse_inventory",
           "read_inventory", "open_inventory", "iter_inventory", "Shipment", "Fleet", "fleet", "Measured",
           "parse_measured", "read_measured",
           "measured_point", "h100_tpp", "H100_REFERENCE_ID"]
