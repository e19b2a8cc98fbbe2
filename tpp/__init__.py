"""tpp: Total Processing Performance, export-control classification and accelerator benchmarking.

The public API (see ``tpp.api``) is importable from here without importing torch or numpy::

    import tpp
    db = tpp.load_database()
    c = tpp.classify(db.lookup("H20")[0])
    print(c.tpp, c.performance_density, c.status, c.paragraph)
"""

__version__ = "0.1.0"

__all__ = ["__version__", "load_database", "lookup", "classify", "classify_numbers", "list_rows",
           "Classification", "TppError"]


def __getattr__(name):  # lazy: `tpp --help` should not parse the database or the rules
    if name in ("load_database", "lookup", "classify", "classify_numbers", "list_rows", "Classification"):
        from tpp import api

        return getattr(api, name)
    if name == "TppError":
        from tpp.errors import TppError

        return TppError
    raise AttributeError(f"module 'tpp' has no attribute {name!r}")
