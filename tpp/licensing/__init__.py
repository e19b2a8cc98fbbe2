"""May it ship? Licence determination by destination and buyer, on the classification of tpp.classification.

Pure: no torch, no numpy, no I/O beyond the country table (specs/countries.toml, loaded once).

    >>> from tpp.licensing import determine
    >>> d = determine("H20", "China", as_of="2026-12-01")
    >>> d.license_required, d.review_policy
    (True, 'not-published')
"""

from tpp.licensing.case import DIFFUSION_TIER1, LETTERS_NAMED
from tpp.licensing.engine import EXPORT_FROM, Determiner, determine
from tpp.licensing.model import (
                                 REVIEW_POLICIES,
                                 STANDARD_DESTINATIONS,
                                 Destination,
                                 Determination,
                                 Requirement,
                                 Tariff232,
)
from tpp.licensing.text import letters_headline, license_cell, render_text

__all__ = ["determine", "Determiner", "Determination", "Requirement", "Tariff232", "REVIEW_POLICIES",
           "EXPORT_FROM", "DIFFUSION_TIER1", "LETTERS_NAMED", "render_text", "letters_headline", "license_cell",
           "Destination", "STANDARD_DESTINATIONS"]
