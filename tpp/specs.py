"""The accelerator database: TOML files in specs/, validated on load into frozen dataclasses.

Every number is a :class:`Quantity` carrying its value, its source and its basis (published, derived or
estimated). Unknown numbers are absent (``None``), never zero. Problems are collected with the file and the
field they concern, so ``tpp validate`` can report all of them at once.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import math
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from tpp import spec_cache
from tpp.errors import SpecError
from tpp.spec_names import NameIndex, normalize_name

try:  # Python >= 3.11
    import tomllib as _toml
except ModuleNotFoundError:  # pragma: no cover - Python 3.10
    import tomli as _toml

__all__ = [
    "PRECISIONS", "Quantity", "Source", "Die", "Accelerator", "HbmStack", "Database",
    "load_database", "validate_dir", "shipped_specs_dir", "normalize_name",
]

#: Precision -> (field name in [peak], bit length used for TPP, unit). TF32 counts as 32 bits: the rule text
#: is silent and analysts use 32 (it never binds on NVIDIA or AMD parts).
PRECISIONS: dict[str, tuple[str, int, str]] = {
    "fp64": ("fp64_tflops", 64, "TFLOPS"),
    "fp64_tensor": ("fp64_tensor_tflops", 64, "TFLOPS"),
    "fp32": ("fp32_tflops", 32, "TFLOPS"),
    "tf32": ("tf32_tflops", 32, "TFLOPS"),
    "bf16": ("bf16_tflops", 16, "TFLOPS"),
    "fp16": ("fp16_tflops", 16, "TFLOPS"),
    "fp8": ("fp8_tflops", 8, "TFLOPS"),
    "fp6": ("fp6_tflops", 6, "TFLOPS"),
    "fp4": ("fp4_tflops", 4, "TFLOPS"),
    "int8": ("int8_tops", 8, "TOPS"),
    "int4": ("int4_tops", 4, "TOPS"),
}
_PEAK_FIELDS = {f: p for p, (f, _, _) in PRECISIONS.items()}

BASES = ("published", "derived", "estimated")
MARKETS = ("datacenter", "consumer", "workstation")
DIE_ROLES = ("logic", "io", "memory")

#: Top-level numeric fields of an accelerator file and their meaning (used by ``tpp show``).
QUANTITY_FIELDS = {
    "transistors_billion": "transistor count (billions)",
    "tdp_w": "TDP (W)",
    "memory_capacity_gb": "memory capacity (GB)",
    "memory_bandwidth_gbps": "memory bandwidth (GB/s)",
    "interconnect_gbps": "interconnect bandwidth (GB/s, bidirectional aggregate)",
    "published_tpp": "TPP as stated by the vendor or BIS (a check on tpp's arithmetic, never used to classify)",
}
_STR_FIELDS = ("id", "name", "vendor", "family", "architecture", "compute_capability", "release_date",
               "process_node", "form_factor", "marketed_for", "memory_type", "market_region")
#: Where a part is sold: "china" for China-market parts (never commercially available in the US; the 2026 China
#: rule's case-by-case policy needs US availability), "global" otherwise (the default when absent).
MARKET_REGIONS = ("global", "china")
_LIST_FIELDS = ("aliases", "pci_device_ids", "nvml_names", "notes", "missing")
_REQUIRED = ("id", "name", "vendor", "architecture", "marketed_for")
_ALLOWED_TOP = set(_STR_FIELDS) | set(_LIST_FIELDS) | set(QUANTITY_FIELDS) | {"peak", "dies", "sources"}
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class Source:
    key: str
    title: str
    url: str | None = None
    retrieved: str | None = None

    def cite(self) -> str:
        return f"{self.title} <{self.url}>" if self.url else self.title


@dataclass(frozen=True)
class Quantity:
    """A number with its provenance. ``basis`` is 'published', 'derived' or 'estimated'."""

    value: float
    source: str
    basis: str
    note: str | None = None
    quote: str | None = None  # the words or table cell on the source page that carry the number

    @property
    def estimated(self) -> bool:
        return self.basis == "estimated"


@dataclass(frozen=True)
class Die:
    role: str
    count: int
    non_planar: bool
    process: str | None = None
    area_mm2: Quantity | None = None


@dataclass(frozen=True)
class Accelerator:
    id: str
    name: str
    vendor: str
    architecture: str
    marketed_for: str
    path: str
    family: str | None = None
    aliases: tuple[str, ...] = ()
    compute_capability: str | None = None
    release_date: str | None = None
    process_node: str | None = None
    form_factor: str | None = None
    memory_type: str | None = None
    market_region: str | None = None  # "china" for a China-market part; None or "global" otherwise
    pci_device_ids: tuple[str, ...] = ()
    nvml_names: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    transistors_billion: Quantity | None = None
    tdp_w: Quantity | None = None
    memory_capacity_gb: Quantity | None = None
    memory_bandwidth_gbps: Quantity | None = None
    interconnect_gbps: Quantity | None = None
    published_tpp: Quantity | None = None
    peak: dict[str, Quantity] = field(default_factory=dict)  # precision name -> dense rate
    dies: tuple[Die, ...] = ()
    sources: dict[str, Source] = field(default_factory=dict)
    takeovers: tuple[str, ...] = ()  # set on an overlay entry: the shipped id/family it takes over

    kind = "accelerator"

    @property
    def datacenter(self) -> bool:
        return self.marketed_for == "datacenter"

    @property
    def has_hbm(self) -> bool | None:
        return None if self.memory_type is None else self.memory_type.upper().startswith("HBM")

    def rate(self, precision: str) -> float | None:
        q = self.peak.get(precision)
        return None if q is None else q.value

    def source_of(self, q: Quantity) -> Source:
        return self.sources[q.source]


@dataclass(frozen=True)
class HbmStack:
    id: str
    name: str
    generation: str
    bandwidth_gbps: Quantity
    stack_area_mm2: Quantity
    path: str
    sources: dict[str, Source] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    takeovers: tuple[str, ...] = ()

    kind = "hbm"
    vendor = "JEDEC"
    aliases: tuple[str, ...] = ()
    family = None

    def source_of(self, q: Quantity) -> Source:
        return self.sources[q.source]


# --------------------------------------------------------------------------------------------- parsing

class Problems:
    """Collects 'file: field: problem' lines."""

    def __init__(self, path: str):
        self.path = path
        self.items: list[str] = []

    def add(self, fld: str, msg: str) -> None:
        self.items.append(f"{self.path}: {fld}: {msg}" if fld else f"{self.path}: {msg}")


def parse_sources(raw, pr: Problems) -> dict[str, Source]:
    out = {}
    if not isinstance(raw, dict) or not raw:
        pr.add("sources", "missing: every file names its sources ([sources.KEY] with title and url)")
        return out
    for key, s in raw.items():
        if not isinstance(s, dict):
            pr.add(f"sources.{key}", "must be a table with title and url")
            continue
        title, url = s.get("title"), s.get("url")
        if not isinstance(title, str) or not title.strip():
            pr.add(f"sources.{key}.title", "missing")
            continue
        if url is not None and (not isinstance(url, str) or not re.match(r"^(https?://|doi:)", url)):
            pr.add(f"sources.{key}.url", f"not a URL: {url!r}")
        extra = set(s) - {"title", "url", "retrieved", "note"}
        if extra:
            pr.add(f"sources.{key}", f"unknown field(s) {sorted(extra)}")
        out[key] = Source(key, title.strip(), url, str(s["retrieved"]) if "retrieved" in s else None)
    return out


def parse_quantity(raw, fld: str, sources: dict, pr: Problems, allow_zero: bool = False) -> Quantity | None:
    if raw is None:
        return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        pr.add(fld, "a bare number; write { value = ..., source = \"...\", basis = \"published|derived|estimated\" }")
        return None
    if not isinstance(raw, dict):
        pr.add(fld, f"must be a table {{ value, source, basis }}, got {raw!r}")
        return None
    extra = set(raw) - {"value", "source", "basis", "note", "quote"}
    if extra:
        pr.add(fld, f"unknown key(s) {sorted(extra)}")
    value = raw.get("value")
    ok = True
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        pr.add(f"{fld}.value", f"must be a number, got {value!r}")
        ok = False
    elif not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        pr.add(f"{fld}.value", f"must be a positive finite number, got {value!r} (leave the field out when unknown)")
        ok = False
    src = raw.get("source")
    if not isinstance(src, str) or src not in sources:
        pr.add(f"{fld}.source", f"{src!r} is not a key of [sources]")
        ok = False
    basis = raw.get("basis")
    if basis not in BASES:
        pr.add(f"{fld}.basis", f"must be one of {', '.join(BASES)}, got {basis!r}")
        ok = False
    note = raw.get("note")
    if note is not None and not isinstance(note, str):
        pr.add(f"{fld}.note", "must be text")
        ok = False
    if basis in ("derived", "estimated") and not note:
        pr.add(f"{fld}.note", f"a {basis} value needs a note saying how it was {basis}")
        ok = False
    quote = raw.get("quote")
    if quote is not None and (not isinstance(quote, str) or not quote.strip()):
        pr.add(f"{fld}.quote", "must be non-empty text (the words on the source page that carry the number)")
        ok = False
    return Quantity(float(value), src, basis, note, quote) if ok else None


def _strlist(raw, fld: str, pr: Problems) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str) and x.strip() for x in raw):
        pr.add(fld, "must be a list of non-empty strings")
        return ()
    return tuple(x.strip() for x in raw)


def _valid_date(s: str) -> bool:
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            _dt.datetime.strptime(s, fmt)
            return True
        except ValueError:
            pass
    return False


def _parse_accelerator(data: dict, path: Path, pr: Problems) -> Accelerator | None:
    for key in set(data) - _ALLOWED_TOP:
        pr.add(key, "unknown field" + _did_you_mean(key, _ALLOWED_TOP))
    for key in _REQUIRED:
        if not isinstance(data.get(key), str) or not data[key].strip():
            pr.add(key, "required text field is missing or empty")
    for key in _STR_FIELDS:
        if key in data and not isinstance(data[key], str):
            if isinstance(data[key], _dt.date):
                pr.add(key, "write the date as a quoted string \"YYYY-MM-DD\"")
            else:
                pr.add(key, f"must be text, got {data[key]!r}")
    if pr.items:
        return None
    if not _ID_RE.match(data["id"]):
        pr.add("id", f"{data['id']!r} must be lower-case letters, digits and hyphens")
    if data["id"] != path.stem:
        pr.add("id", f"{data['id']!r} differs from the file name {path.name!r}")
    if data["marketed_for"] not in MARKETS:
        pr.add("marketed_for", f"must be one of {', '.join(MARKETS)}, got {data['marketed_for']!r}")
    if "market_region" in data and data["market_region"] not in MARKET_REGIONS:
        pr.add("market_region", f"must be one of {', '.join(MARKET_REGIONS)}, got {data['market_region']!r}")
    if "release_date" in data and not _valid_date(data["release_date"]):
        pr.add("release_date", f"{data['release_date']!r} is not YYYY-MM-DD, YYYY-MM or YYYY")
    sources = parse_sources(data.get("sources"), pr)
    quantities = {k: parse_quantity(data.get(k), k, sources, pr) for k in QUANTITY_FIELDS}
    peak = {}
    raw_peak = data.get("peak", {})
    if not isinstance(raw_peak, dict):
        pr.add("peak", "must be a table of dense rates")
        raw_peak = {}
    for key, raw in raw_peak.items():
        if key not in _PEAK_FIELDS:
            pr.add(f"peak.{key}", "unknown precision" + _did_you_mean(key, _PEAK_FIELDS))
            continue
        q = parse_quantity(raw, f"peak.{key}", sources, pr)
        if q is not None:
            peak[_PEAK_FIELDS[key]] = q
    dies = []
    raw_dies = data.get("dies", [])
    if not isinstance(raw_dies, list):
        pr.add("dies", "must be an array of tables ([[dies]])")
        raw_dies = []
    for i, d in enumerate(raw_dies):
        fld = f"dies[{i}]"
        if not isinstance(d, dict):
            pr.add(fld, "must be a table")
            continue
        extra = set(d) - {"role", "count", "process", "non_planar", "area_mm2", "note"}
        if extra:
            pr.add(fld, f"unknown field(s) {sorted(extra)}")
        role, count, np_ = d.get("role"), d.get("count", 1), d.get("non_planar")
        if role not in DIE_ROLES:
            pr.add(f"{fld}.role", f"must be one of {', '.join(DIE_ROLES)}, got {role!r}")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            pr.add(f"{fld}.count", f"must be a positive integer, got {count!r}")
        if not isinstance(np_, bool):
            pr.add(f"{fld}.non_planar", f"must be true or false, got {np_!r}")
        area = parse_quantity(d.get("area_mm2"), f"{fld}.area_mm2", sources, pr)
        if role in DIE_ROLES and isinstance(count, int) and isinstance(np_, bool):
            dies.append(Die(role, count, np_, d.get("process"), area))
    lists = {k: _strlist(data.get(k), k, pr) for k in _LIST_FIELDS}
    _check_consistency(peak, quantities, pr)
    if pr.items:
        return None
    strs = {k: data[k].strip() for k in _STR_FIELDS if k in data}
    return Accelerator(path=str(path), peak=peak, dies=tuple(dies), sources=sources,
                       **strs, **lists, **quantities)


def _check_consistency(peak: dict, q: dict, pr: Problems) -> None:
    """Catch impossible combinations that a typo produces (a missing decimal point, a sparse figure)."""
    for p, rate in peak.items():
        if rate.value > 100_000:
            pr.add(f"peak.{PRECISIONS[p][0]}", f"{rate.value:g} is not a plausible per-chip dense rate (> 100,000)")
    pairs = [("fp16", "fp32"), ("bf16", "fp32")]
    for low, high in pairs:
        if low in peak and high in peak and peak[low].value * 4 < peak[high].value:
            pr.add(f"peak.{PRECISIONS[low][0]}",
                   f"{peak[low].value:g} is under a quarter of {high} ({peak[high].value:g}): check the units")
    bw = q.get("memory_bandwidth_gbps")
    if bw is not None and bw.value > 100_000:
        pr.add("memory_bandwidth_gbps", f"{bw.value:g} GB/s is not plausible for one chip (units are GB/s)")


def _did_you_mean(key: str, choices) -> str:
    close = difflib.get_close_matches(key, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _parse_hbm(data: dict, path: Path, pr: Problems) -> HbmStack | None:
    allowed = {"id", "name", "generation", "bandwidth_gbps", "stack_area_mm2", "sources", "notes"}
    for key in set(data) - allowed:
        pr.add(key, "unknown field" + _did_you_mean(key, allowed))
    for key in ("id", "name", "generation"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            pr.add(key, "required text field is missing or empty")
    if pr.items:
        return None
    if data["id"] != path.stem:
        pr.add("id", f"{data['id']!r} differs from the file name {path.name!r}")
    sources = parse_sources(data.get("sources"), pr)
    bw = parse_quantity(data.get("bandwidth_gbps"), "bandwidth_gbps", sources, pr)
    area = parse_quantity(data.get("stack_area_mm2"), "stack_area_mm2", sources, pr)
    for key in ("bandwidth_gbps", "stack_area_mm2"):
        if key not in data:
            pr.add(key, "required")
    notes = _strlist(data.get("notes"), "notes", pr)
    if pr.items or bw is None or area is None:
        return None
    return HbmStack(data["id"], data["name"], data["generation"], bw, area, str(path), sources, notes)


def read_toml(path: Path, pr: Problems) -> dict | None:
    try:
        with open(path, "rb") as fh:
            return _toml.load(fh)
    except OSError as exc:
        pr.add("", f"cannot read: {exc.strerror or exc}")
    except _toml.TOMLDecodeError as exc:
        pr.add("", f"not valid TOML: {exc}")
    except UnicodeDecodeError as exc:
        pr.add("", f"not UTF-8 text: {exc}")
    return None


def load_dir(directory: Path) -> tuple[list, list, list[str]]:
    """Parse every file under one database directory (no check across files).

    Returns (accelerators, hbm stacks, problems)."""
    accels, stacks, problems = [], [], []
    if not directory.is_dir():
        return accels, stacks, [f"{directory}: not a directory"]
    acc_dir, hbm_dir = directory / "accelerators", directory / "hbm"
    if not acc_dir.is_dir() and not hbm_dir.is_dir():
        return accels, stacks, [f"{directory}: holds neither accelerators/ nor hbm/ (see specs/README.md)"]
    for sub, parser, bucket in ((acc_dir, _parse_accelerator, accels), (hbm_dir, _parse_hbm, stacks)):
        if not sub.is_dir():
            continue
        for path in sorted(sub.iterdir()):
            if path.name.startswith(".") or path.is_dir():
                continue
            pr = Problems(str(path))
            if path.suffix != ".toml":
                pr.add("", "not a .toml file (only <id>.toml files belong here)")
            else:
                data = read_toml(path, pr)
                if data is not None:
                    item = parser(data, path, pr)
                    if item is not None:
                        bucket.append(item)
            problems.extend(pr.items)
    return accels, stacks, problems


# --------------------------------------------------------------------------------------------- the database

class Database:
    """The accelerators and HBM stacks, with forgiving but exact name lookup (tpp/spec_names.py)."""

    def __init__(self, accelerators, stacks=(), dirs=()):
        self.accelerators: dict[str, Accelerator] = {a.id: a for a in accelerators}
        self.stacks: dict[str, HbmStack] = {s.id: s for s in stacks}
        self.dirs = tuple(str(d) for d in dirs)
        self.names = NameIndex(list(self.accelerators.values()) + list(self.stacks.values()))
        if self.names.problems:
            raise SpecError(self.names.problems)

    def __len__(self) -> int:
        return len(self.accelerators)

    def __iter__(self):
        return iter(sorted(self.accelerators.values(), key=lambda a: a.id))

    def get(self, id_: str):
        return self.accelerators.get(id_) or self.stacks.get(id_)

    @property
    def takeovers(self) -> list[str]:
        """One line per overlay entry that takes over a shipped id, name, alias or family."""
        items = list(self.accelerators.values()) + list(self.stacks.values())
        return [f"{i.path}: {'; '.join(i.takeovers)}" for i in sorted(items, key=lambda i: i.id) if i.takeovers]

    def lookup(self, name: str) -> list:
        """Every entry a user's name means: the exact part, else every member of a family (or of a partial
        family name such as 'A100 SXM'); raises UnknownChipError with the closest names when none."""
        return self.names.lookup(name)


def shipped_specs_dir() -> Path:
    """The database that ships with tpp: inside the wheel (tpp/_data/specs) or the source checkout (specs/)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data" / "specs", here.parent / "specs"):
        if (candidate / "accelerators").is_dir():
            return candidate
    raise SpecError(f"{here}: the shipped spec database is missing (a broken install?)")


def validate_dir(directory) -> tuple[int, int, list[str]]:
    """Check a database directory (every check of ``tpp validate``, tpp/spec_check.py). Returns (accelerators,
    hbm stacks, problems); problems empty when valid."""
    from tpp.spec_check import check_dir

    v = check_dir(directory)
    return v.accelerators, v.stacks, list(v.problems)


def load_database(overlay=None, *, use_env: bool = True) -> Database:
    """Load the shipped database, overlaid with a user's directory (``overlay`` or ``$TPP_SPECS``).

    An overlay entry with the id of a shipped one replaces it; new ids are added; either is marked with what it
    takes over (``takeovers``: a shipped id or family), which classification flags and ``tpp validate DIR``
    reports. Any problem in any file raises :class:`SpecError` naming the file and the field. A validated
    database is cached in ``~/.cache/tpp`` (``$XDG_CACHE_HOME``) as JSON, keyed by every file's path,
    modification time and size, so start-up does not re-parse unchanged files (tpp/spec_cache.py says when a
    cache is trusted); ``TPP_NO_CACHE=1`` turns the cache off.
    """
    dirs = [shipped_specs_dir()]
    if overlay is None and use_env:
        overlay = os.environ.get("TPP_SPECS") or None
    if overlay is not None:
        dirs.append(Path(overlay))
    cache = spec_cache.cache_path(dirs)
    db = spec_cache.read(cache)
    if db is not None:
        return db
    db = parse_dirs(dirs)
    spec_cache.write(cache, db)
    return db


def parse_dirs(dirs: list[Path]) -> Database:
    """The database of these directories, each overlaid on the ones before it (no cache)."""
    accels, stacks = {}, {}
    problems = []
    for n, d in enumerate(dirs):
        a, s, p = load_dir(d)
        problems += p
        if n:  # an overlay: say what it takes over from the directories before it
            a, s = _mark_takeovers(a, accels), _mark_takeovers(s, stacks)
        accels.update({x.id: x for x in a})
        stacks.update({x.id: x for x in s})
    if problems:
        raise SpecError(problems)
    return Database(accels.values(), stacks.values(), dirs)


def _mark_takeovers(items: list, before: dict) -> list:
    """Overlay entries that replace a shipped entry or join a shipped family, with what they take over."""
    families = {normalize_name(x.family): x.family for x in before.values() if x.family}
    out = []
    for item in items:
        taken = []
        old = before.get(item.id)
        if old is not None:
            names = [old.name, *old.aliases]
            taken.append(f"replaces the shipped entry {item.id} ({old.path}); its names "
                         f"({', '.join(repr(n) for n in names)}) now mean this file")
        fam = normalize_name(item.family) if item.family else None
        if fam in families and (old is None or normalize_name(old.family or "") != fam):
            taken.append(f"joins the shipped family {families[fam]!r}: that name now includes this entry")
        out.append(replace(item, takeovers=tuple(taken)) if taken else item)
    return out
