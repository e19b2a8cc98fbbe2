"""Names as people write them: exact names, NVML names, vendor prefixes, families and partial family names.

The order is what keeps a typo from being counted as another chip:

1. an exact name (id, name, alias, an ``nvml_names`` string, the name without its vendor) means that entry;
2. a ``family`` name means the entries that declare it or a family named under it ('Ascend' includes
   'Ascend 910B'); an entry without ``family`` is never a member, however alike its name;
3. a partial name ("A100 SXM", "MI300", "Ascend") means the entries whose name starts with the same model and
   carries the other words in order, but only when it names two or more: a partial name that fits a single entry
   (``RTX 5080`` when only ``RTX 5080 D`` exists) is a suggestion, never a silent match;
4. a leading vendor or brand word ("NVIDIA H100", "AMD MI300X", "GeForce RTX 4090") is dropped and 1-3 tried
   again, keeping only entries of that vendor.

Anything else is an :class:`UnknownChipError` with the closest names.
"""

from __future__ import annotations

import difflib
import re

from tpp.errors import UnknownChipError

__all__ = ["normalize_name", "name_tokens", "NameIndex"]

#: Brand words printed before a model (nvidia-smi, marketing) and the vendor they belong to.
BRAND_WORDS = {"geforce": "nvidia", "tesla": "nvidia", "quadro": "nvidia", "instinct": "amd", "radeon": "amd",
               "cloud": "google", "amazon": "aws"}
_TOKEN_RE = re.compile(r"[a-z]+|[0-9]+")
_MIN_PARTIAL = 3  # characters a partial name needs ("TPU", "RTX"); "A" or "H1" never fan out to a family


def normalize_name(name: str) -> str:
    """Case, spaces, hyphens, underscores and dots do not matter in names: 'RTX-4090 d' == 'rtx4090D'."""
    return re.sub(r"[\s\-_.]+", "", name).lower()


def name_tokens(name: str) -> tuple[str, ...]:
    """Words of a name, split where letters meet digits: 'A100-SXM4-40GB' -> a, 100, sxm, 4, 40, gb."""
    return tuple(_TOKEN_RE.findall(name.lower()))


def _words(name: str) -> tuple[str, ...]:
    """Whole words (the family 'H20' has no family 'H20E' under it; 'Ascend' has 'Ascend 910B')."""
    return tuple(w.lower() for w in re.split(r"[\s\-_]+", name) if w)


def _partial_fits(query: tuple[str, ...], toks: tuple[str, ...]) -> bool:
    """The query's model (its words up to the first number) starts the name; its other words follow in order."""
    if len(query) > len(toks):
        return False
    cut = next((i + 1 for i, t in enumerate(query) if t.isdigit()), len(query))
    if query[:cut] != toks[:cut]:
        return False
    rest = iter(toks[cut:])
    return all(any(t == q for t in rest) for q in query[cut:])


def _contains(query: tuple[str, ...], toks: tuple[str, ...]) -> bool:
    n = len(query)
    return any(toks[i:i + n] == query for i in range(len(toks) - n + 1))


class NameIndex:
    """Every name of every entry, built once per database; reports collisions instead of hiding them."""

    def __init__(self, items):
        self.items = {i.id: i for i in items}
        self.exact: dict[str, list[str]] = {}  # normalised name -> ids (several only for a shared NVML name)
        self.origin: dict[str, tuple[str, str, str]] = {}  # normalised name -> (id, field, name as written)
        self.families: dict[str, list[str]] = {}
        self.family_label: dict[str, str] = {}
        self._tokens: list[tuple[str, tuple[str, ...]]] | None = None  # built on the first partial name
        self.problems: list[str] = []
        self.warnings: list[str] = []
        vendors = {normalize_name(i.vendor): name_tokens(i.vendor) for i in self.items.values() if i.vendor}
        self.prefixes: dict[str, list] = {}  # first word -> (words, vendor), longest first
        for pre, ven in sorted({(t, v) for v, t in vendors.items() if t} | {((w,), v) for w, v in BRAND_WORDS.items()},
                               key=lambda p: -len(p[0])):
            self.prefixes.setdefault(pre[0], []).append((pre, ven))
        for item in self.items.values():
            self._add(item)
        for item in self.items.values():
            self._add_nvml(item)
        self._check_families()

    # ------------------------------------------------------------------ building

    def _names_of(self, item):
        out = [("id", item.id), ("name", item.name)] + [("aliases", a) for a in item.aliases]
        vendor = item.vendor or ""
        if vendor and item.name.lower().startswith(vendor.lower()):  # 'NVIDIA H20 96GB' is also 'H20 96GB'
            out.append(("name", item.name[len(vendor):].strip()))
        return out

    def _add(self, item) -> None:
        for fld, written in self._names_of(item):
            key = normalize_name(written)
            if not key:
                continue
            prior = self.origin.get(key)
            if prior is None:
                self.origin[key] = (item.id, fld, written)
                self.exact[key] = [item.id]
            elif prior[0] != item.id:
                other = self.items[prior[0]]
                self.problems.append(
                    f"{item.path}: {fld}: {written!r} and {prior[0]}'s {prior[1]} {prior[2]!r} normalise to the "
                    f"same name {key!r} ({other.path}); names must be unique across the database")
        if item.family:
            key = normalize_name(item.family)
            self.families.setdefault(key, []).append(item.id)
            self.family_label.setdefault(key, item.family)

    def _add_nvml(self, item) -> None:
        """NVML names after every real name: a real name wins; entries that NVML cannot tell apart share one."""
        for written in getattr(item, "nvml_names", ()):
            key = normalize_name(written)
            owner = self.origin.get(key)
            if owner is None:
                self.origin[key] = (item.id, "nvml_names", written)
                self.exact[key] = [item.id]
            elif owner[1] == "nvml_names":
                if item.id not in self.exact[key]:
                    self.exact[key].append(item.id)
            elif owner[0] != item.id:
                self.warnings.append(f"{item.path}: nvml_names: {written!r} is the {owner[1]} of {owner[0]}, so the "
                                     f"name means {owner[0]}")

    def _check_families(self) -> None:
        for key, members in self.families.items():
            owner = self.origin.get(key)
            if owner is None:
                continue
            ident, fld, written = owner
            label = self.family_label[key]
            if ident not in members:
                self.problems.append(
                    f"{self.items[members[0]].path}: family: {label!r} is also the {fld} {written!r} of {ident}: "
                    "the name would mean that entry, never the family")

    @property
    def tokens(self) -> list[tuple[str, tuple[str, ...]]]:
        """(id, words without the vendor/brand prefix) of every name but the id: for partial names and
        suggestions only, so an exact name (most look-ups) never pays for it."""
        if self._tokens is None:
            self._tokens = []
            for item in self.items.values():
                for fld, written in self._names_of(item) + [("nvml_names", n) for n in getattr(item, "nvml_names", ())]:
                    toks = self.strip(name_tokens(written))[0]
                    if toks and fld != "id":
                        self._tokens.append((item.id, toks))
        return self._tokens

    def strip(self, toks: tuple[str, ...]) -> tuple[tuple[str, ...], str | None]:
        """Drop leading vendor and brand words; returns the rest and the vendor they named (if any)."""
        vendor = None
        while True:
            for pre, ven in self.prefixes.get(toks[0] if toks else "", ()):
                if len(toks) > len(pre) and toks[:len(pre)] == pre:
                    toks, vendor = toks[len(pre):], vendor or ven
                    break
            else:
                return toks, vendor

    # ------------------------------------------------------------------ lookup

    def lookup(self, name: str) -> list:
        """Every entry the name means (see the module's docstring); raises UnknownChipError with suggestions."""
        key, toks = normalize_name(name), name_tokens(name)
        ids = self._match(key, toks)
        if not ids:
            rest, vendor = self.strip(toks)
            if rest != toks:
                ids = [i for i in self._match("".join(rest), rest) if self._vendor_is(i, vendor)]
        if ids:
            return [self.items[i] for i in ids]
        raise UnknownChipError(name, self.suggest(key, toks))

    def _vendor_is(self, ident: str, vendor: str | None) -> bool:
        return vendor is None or normalize_name(self.items[ident].vendor or "") == vendor

    def _match(self, key: str, toks: tuple[str, ...]) -> list[str]:
        if key in self.exact:
            return list(self.exact[key])
        if key in self.families:  # a declared family, with the families named under it ('Ascend': 'Ascend 910B')
            fam = _words(self.family_label[key])
            return sorted({i for k, members in self.families.items()
                           if _words(self.family_label[k])[:len(fam)] == fam for i in members})
        partial = self._partial(toks)
        return partial if len(partial) >= 2 else []

    def _partial(self, toks: tuple[str, ...]) -> list[str]:
        if sum(map(len, toks)) < _MIN_PARTIAL:
            return []
        return sorted({i for i, t in self.tokens if _partial_fits(toks, t)})

    def suggest(self, key: str, toks: tuple[str, ...], n: int = 3) -> list[str]:
        """The closest names: a partial name that fits one entry, entries whose name contains the words, then
        spelling neighbours of every name and family."""
        rest = self.strip(toks)[0]
        ids = [i for t in {toks, rest} for i in self._partial(t)]
        for k in range(len(rest) - 1, 0, -1):  # 'A100 SXM5': the longest leading part that fits ('A100 SXM')
            if self._partial(rest[:k]):
                ids += self._partial(rest[:k])
                break
        ids += [i for t in {toks, rest} if t for i, et in self.tokens if _contains(t, et)]
        labels = [self.items[i].name for i in ids]
        pool = list(self.exact) + list(self.families)
        for c in difflib.get_close_matches(key, pool, n=5, cutoff=0.6):
            labels.append(self.items[self.exact[c][0]].name if c in self.exact else self.family_label[c])
        return list(dict.fromkeys(labels))[:n]
