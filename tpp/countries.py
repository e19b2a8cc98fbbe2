"""Countries and the EAR's country groups (Supplement No. 1 to 15 CFR Part 740) from specs/countries.toml.

The file is validated on load (unknown group, duplicate code or alias, bad date: file and field named) into
frozen dataclasses. Dated group changes are data: :meth:`CountryTable.groups_on` gives the groups of a day.
A name is resolved forgivingly (case, accents, spaces and punctuation do not matter); an unknown name raises
:class:`UnknownCountryError` with the nearest names.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import functools
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from tpp.errors import SpecError, UnknownCountryError
from tpp.specs import Problems, read_toml, shipped_specs_dir

__all__ = ["Country", "GroupChange", "Resolved", "CountryTable", "load_countries", "countries_path",
           "normalize_country", "country_rows"]

_CODE_RE = re.compile(r"^[A-Z]{2}$")
_COUNTRY_FIELDS = {"name", "aliases", "groups", "alias_notes", "note", "part746"}
_CHANGE_FIELDS = {"code", "group", "action", "first_seen", "last_absent", "source", "note"}
_META_FIELDS = {"title", "vintage", "checked", "groups", "basis", "note", "sources"}


@dataclass(frozen=True)
class Country:
    """One row of the Supplement. ``groups``: as in the file's vintage (see :meth:`CountryTable.groups_on`)."""

    code: str
    name: str
    aliases: tuple[str, ...] = ()
    groups: frozenset[str] = frozenset()
    alias_notes: dict = field(default_factory=dict)
    note: str | None = None
    part746: str | None = None


@dataclass(frozen=True)
class GroupChange:
    """A dated change of a country's group. ``first_seen``: the first text seen with it (the date tpp applies)."""

    code: str
    group: str
    action: str  # "added" | "removed"
    first_seen: _dt.date
    last_absent: _dt.date | None
    source: str
    note: str


@dataclass(frozen=True)
class Resolved:
    """What a typed name resolved to, with a note when the name is a special case (Hong Kong -> China)."""

    country: Country
    typed: str
    note: str | None = None


@dataclass(frozen=True)
class CountryTable:
    countries: dict[str, Country]
    changes: tuple[GroupChange, ...]
    groups: tuple[str, ...]
    vintage: _dt.date
    checked: _dt.date
    sources: dict[str, dict]
    path: str
    names: dict[str, str] = field(default_factory=dict)  # normalized name -> code

    def __iter__(self):
        return iter(sorted(self.countries.values(), key=lambda c: c.name))

    def __len__(self) -> int:
        return len(self.countries)

    def get(self, code: str) -> Country:
        return self.countries[code]

    def resolve(self, name: str) -> Resolved:
        """A code, a name or an alias -> :class:`Resolved`; raises UnknownCountryError with the nearest names."""
        key = normalize_country(name)
        code = self.names.get(key)
        if code is None:
            close = difflib.get_close_matches(key, list(self.names), n=6, cutoff=0.6)
            first = {}
            for key in close:  # one suggestion per country, under the name that came closest
                first.setdefault(self.names[key], key)
            pretty = [self._label(code, key) for code, key in first.items()][:3]
            raise UnknownCountryError(name, pretty)
        country = self.countries[code]
        note = next((n for a, n in country.alias_notes.items() if normalize_country(a) == key), None)
        return Resolved(country, name, note)

    def _label(self, code: str, key: str) -> str:
        c = self.countries[code]
        alias = next((a for a in c.aliases if normalize_country(a) == key), None)
        return f"{alias} ({c.name})" if alias and normalize_country(c.name) != key else c.name

    def groups_on(self, code: str, day: _dt.date) -> frozenset[str]:
        """The country's groups on ``day``: the vintage's, with every recorded later change undone."""
        groups = set(self.countries[code].groups)
        for ch in self.changes:
            if ch.code == code and day < ch.first_seen:
                (groups.discard if ch.action == "added" else groups.add)(ch.group)
        return frozenset(groups)

    def in_group(self, code: str, group: str, day: _dt.date) -> bool:
        return group in self.groups_on(code, day)

    def members(self, group: str, day: _dt.date) -> list[Country]:
        if group not in self.groups:
            raise UnknownCountryError(group, [], what="country group", known=self.groups)
        return [c for c in self if group in self.groups_on(c.code, day)]

    def change_notes(self, code: str, day: _dt.date) -> list[str]:
        """The notes of the recorded changes of this country, and whether ``day`` falls where the date is unknown."""
        out = []
        for ch in self.changes:
            if ch.code != code:
                continue
            text = ch.note
            if ch.last_absent and ch.last_absent < day < ch.first_seen:
                text += (f" {day.isoformat()} lies between the last text without it and the first with it: "
                         "the group on that day is not known")
            out.append(text)
        return out


def normalize_country(name: str) -> str:
    """Case, accents, spaces and punctuation do not matter: 'Türkiye' == 'turkiye', 'Korea, South' == 'korea south'."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "", text.casefold())


def countries_path(path=None) -> Path:
    """The countries file: the argument, else $TPP_COUNTRIES, else the shipped specs/countries.toml."""
    chosen = path or os.environ.get("TPP_COUNTRIES")
    return Path(chosen) if chosen else shipped_specs_dir() / "countries.toml"


def load_countries(path=None) -> CountryTable:
    """Load and validate the countries file (cached per path). Raises SpecError naming file and field."""
    return _load(str(countries_path(path)))


@functools.lru_cache(maxsize=8)
def _load(path: str) -> CountryTable:
    pr = Problems(path)
    data = read_toml(Path(path), pr)
    table = None if data is None else _parse(data, path, pr)
    if pr.items:
        more = f" (and {len(pr.items) - 1} more problem(s) in this file)" if len(pr.items) > 1 else ""
        raise SpecError(pr.items[0] + more)
    assert table is not None
    return table


def country_rows(table: CountryTable, day: _dt.date, group: str | None = None) -> list[dict]:
    """One row per country (all, or the members of ``group`` on ``day``), for ``tpp countries``."""
    chosen = table.members(group, day) if group else list(table)
    return [{"code": c.code, "name": c.name, "groups": sorted(table.groups_on(c.code, day)),
             "aliases": list(c.aliases), "part746": c.part746, "note": c.note} for c in chosen]


def _date(raw, fld: str, pr: Problems, required: bool = True) -> _dt.date | None:
    if raw is None and not required:
        return None
    try:
        return _dt.date.fromisoformat(raw)
    except (TypeError, ValueError):
        pr.add(fld, f"{raw!r} is not a date YYYY-MM-DD")
        return None


def _parse_meta(meta, pr: Problems):
    if not isinstance(meta, dict):
        pr.add("meta", "missing: the file needs [meta] with vintage, checked, groups and sources")
        return None
    for key in set(meta) - _META_FIELDS:
        pr.add(f"meta.{key}", "unknown field")
    groups = meta.get("groups")
    if not isinstance(groups, list) or not groups or not all(isinstance(g, str) for g in groups):
        pr.add("meta.groups", "must be a non-empty list of group names such as 'D:5'")
        groups = []
    sources = meta.get("sources")
    if not isinstance(sources, dict) or not sources:
        pr.add("meta.sources", "missing: name the sources ([meta.sources.KEY] with title)")
        sources = {}
    for key, s in sources.items():
        if not isinstance(s, dict) or not isinstance(s.get("title"), str):
            pr.add(f"meta.sources.{key}.title", "missing")
    return (tuple(groups), _date(meta.get("vintage"), "meta.vintage", pr),
            _date(meta.get("checked"), "meta.checked", pr), sources)


def _parse_country(code: str, raw, groups: tuple, pr: Problems) -> Country | None:
    fld = f"countries.{code}"
    if not _CODE_RE.match(code):
        pr.add(fld, "the key must be an ISO 3166 alpha-2 code (two capital letters)")
    if not isinstance(raw, dict):
        pr.add(fld, "must be a table with name (and aliases, groups)")
        return None
    for key in set(raw) - _COUNTRY_FIELDS:
        close = difflib.get_close_matches(key, list(_COUNTRY_FIELDS), n=1)
        pr.add(f"{fld}.{key}", "unknown field" + (f" (did you mean {close[0]!r}?)" if close else ""))
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        pr.add(f"{fld}.name", "required text field is missing or empty")
        return None
    lists = {}
    for key in ("aliases", "groups"):
        v = raw.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
            pr.add(f"{fld}.{key}", "must be a list of non-empty strings")
            v = []
        lists[key] = v
    for g in lists["groups"]:
        if g not in groups:
            pr.add(f"{fld}.groups", f"unknown group {g!r}; known: {', '.join(groups)}")
    notes = raw.get("alias_notes", {})
    if not isinstance(notes, dict) or any(a not in lists["aliases"] for a in notes):
        pr.add(f"{fld}.alias_notes", "must map aliases of this country to notes")
        notes = {}
    for key in ("note", "part746"):
        if key in raw and not isinstance(raw[key], str):
            pr.add(f"{fld}.{key}", "must be text")
    return Country(code, name, tuple(lists["aliases"]), frozenset(lists["groups"]), dict(notes),
                   raw.get("note"), raw.get("part746"))


def _parse_change(i: int, raw, table: dict, groups: tuple, sources: dict, pr: Problems) -> GroupChange | None:
    fld = f"change[{i}]"
    if not isinstance(raw, dict):
        pr.add(fld, "must be a table")
        return None
    for key in set(raw) - _CHANGE_FIELDS:
        pr.add(f"{fld}.{key}", "unknown field")
    if raw.get("code") not in table:
        pr.add(f"{fld}.code", f"{raw.get('code')!r} is not a country of this file")
    if raw.get("group") not in groups:
        pr.add(f"{fld}.group", f"unknown group {raw.get('group')!r}; known: {', '.join(groups)}")
    if raw.get("action") not in ("added", "removed"):
        pr.add(f"{fld}.action", "must be 'added' or 'removed'")
    if raw.get("source") not in sources:
        pr.add(f"{fld}.source", f"{raw.get('source')!r} is not a key of [meta.sources]")
    if not isinstance(raw.get("note"), str):
        pr.add(f"{fld}.note", "required: say how the date is known")
    first = _date(raw.get("first_seen"), f"{fld}.first_seen", pr)
    last = _date(raw.get("last_absent"), f"{fld}.last_absent", pr, required=False)
    if first and last and last >= first:
        pr.add(f"{fld}.last_absent", "must be before first_seen")
    if pr.items:
        return None
    return GroupChange(raw["code"], raw["group"], raw["action"], first, last, raw["source"], raw["note"])


def _parse(data: dict, path: str, pr: Problems) -> CountryTable | None:
    for key in set(data) - {"meta", "countries", "change"}:
        pr.add(key, "unknown top-level table (expected meta, countries, change)")
    meta = _parse_meta(data.get("meta"), pr)
    raw = data.get("countries")
    if not isinstance(raw, dict) or not raw:
        pr.add("countries", "missing: the file needs a [countries] table (CODE = { name = ... })")
        return None
    if meta is None:
        return None
    groups, vintage, checked, sources = meta
    table = {}
    for code, row in raw.items():
        c = _parse_country(code, row, groups, pr)
        if c is not None:
            table[code] = c
    changes = tuple(c for i, ch in enumerate(data.get("change", []))
                    if (c := _parse_change(i, ch, table, groups, sources, pr)) is not None)
    names = _name_index(table, pr)
    if pr.items:
        return None
    return CountryTable(table, changes, groups, vintage, checked, sources, path, names)


def _name_index(table: dict[str, Country], pr: Problems) -> dict[str, str]:
    """Every code, name and alias (normalized) -> code; a name meaning two countries is a problem."""
    names: dict[str, str] = {}
    for c in table.values():
        for kind, value in (("code", c.code), ("name", c.name), *(("aliases", a) for a in c.aliases)):
            key = normalize_country(value)
            other = names.get(key)
            if other is not None and other != c.code:
                pr.add(f"countries.{c.code}.{kind}", f"{value!r} also names {other!r}")
            names[key] = c.code
    return names
