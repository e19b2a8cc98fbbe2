"""``tpp site``: a static, self-contained web site of the database, the rules, the maps and the licence map.

Needs the ``site`` extra (Jinja2); the maps need the ``plot`` extra (matplotlib) and the site says so without it.
"""

from tpp.site.build import MARKER, SiteResult, build_site, require_jinja2

__all__ = ["build_site", "SiteResult", "MARKER", "require_jinja2"]
