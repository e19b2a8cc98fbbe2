"""The country table: every country resolves, groups as in REGULATIONS.md (eCFR 2026-07-23), dated changes,
validation of a malformed file (file and field named)."""

import datetime as dt

import pytest

from tpp.countries import load_countries, normalize_country
from tpp.errors import SpecError, UnknownCountryError
from tpp.specs import shipped_specs_dir

SHIPPED = shipped_specs_dir() / "countries.toml"
TABLE = load_countries(SHIPPED)
DAY = dt.date(2026, 12, 1)

# ../shared/REGULATIONS.md, Destinations (eCFR 2026-07-23), by ISO code.
EXPECTED = {
    "A:5": "AR AU AT BE BG CA HR CZ DK EE FI FR DE GR HU IS IN IE IT JP KR LV LT LU NL NZ NO PL PT RO SK SI ES SE "
           "CH TR AE GB",
    "A:6": "AL CY IL MT MX SG ZA TW",
    "D:1": "AM AZ BY MM KH CN GE IQ KZ KP KG LA LY MO MD MN NI RU TJ TM UZ VE VN YE",
    "D:4": "BH BY CN EG IR IQ IL JO KP KW LB LY MO OM PK QA RU SA SY VE YE",
    "D:5": "AF BY MM CF CN CD CU ER HT IR IQ KP LB LY NI RU SO SS SD SY VE ZW",
    "E:1": "IR KP SY",
    "E:2": "CU",
}


@pytest.mark.parametrize("group", sorted(EXPECTED))
def test_groups_as_in_the_reference(group):
    assert {c.code for c in TABLE.members(group, DAY)} == set(EXPECTED[group].split())


@pytest.mark.parametrize("code", sorted(TABLE.countries))
def test_every_country_resolves_by_code_name_and_alias(code):
    c = TABLE.get(code)
    for name in (code, code.lower(), c.name, c.name.upper(), *c.aliases):
        assert TABLE.resolve(name).country.code == code, name


@pytest.mark.parametrize("typed,code", [
    ("Hong Kong", "CN"), ("HK", "CN"), ("Macao", "MO"), ("Macau", "MO"), ("Burma", "MM"), ("Myanmar", "MM"),
    ("Korea, South", "KR"), ("South Korea", "KR"), ("ROK", "KR"), ("Turkey", "TR"), ("Türkiye", "TR"),
    ("turkiye", "TR"), ("UAE", "AE"), ("USA", "US"), ("United States", "US"), ("PRC", "CN"),
    ("north korea", "KP"), ("Viet Nam", "VN"), ("Czechia", "CZ"),
])
def test_the_names_people_type(typed, code):
    assert TABLE.resolve(typed).country.code == code


def test_hong_kong_carries_the_2020_note():
    r = TABLE.resolve("Hong Kong")
    assert "85 FR 83788" in r.note and "treated as China" in r.note
    assert TABLE.resolve("China").note is None


def test_table_covers_the_supplement():
    assert len(TABLE) == 200
    assert TABLE.vintage == dt.date(2026, 7, 23) and TABLE.checked == dt.date(2026, 11, 30)
    assert {"MO", "TW", "XK", "AW", "CW", "SX"} <= set(TABLE.countries)  # territories of the Supplement


def test_uae_joins_a5_on_the_first_version_seen():
    assert TABLE.in_group("AE", "A:5", dt.date(2026, 7, 23))
    assert not TABLE.in_group("AE", "A:5", dt.date(2026, 7, 22))
    assert len(TABLE.members("A:5", dt.date(2026, 7, 22))) == 37
    between = TABLE.change_notes("AE", dt.date(2026, 7, 1))
    assert "not known" in between[0] and "2026-06-20" in between[0] and "is not known" in between[0]
    assert "lies between" not in TABLE.change_notes("AE", dt.date(2026, 6, 20))[0]


def test_macau_date_is_not_a_group_change():
    assert TABLE.groups_on("MO", dt.date(2022, 1, 1)) == TABLE.groups_on("MO", DAY)
    assert "2023-01-18" in TABLE.get("MO").note


def test_unknown_country_suggests_the_nearest():
    with pytest.raises(UnknownCountryError, match="did you mean 'Germany'"):
        TABLE.resolve("Germny")
    with pytest.raises(UnknownCountryError, match="South Korea") as e:
        TABLE.resolve("Korea")
    assert len(e.value.suggestions) == len(set(e.value.suggestions))
    with pytest.raises(UnknownCountryError, match="known: A:5"):
        TABLE.members("D:9", DAY)


def test_normalize():
    assert normalize_country("Côte d'Ivoire") == normalize_country("cote divoire") == "cotedivoire"


def _write(tmp_path, text, name="countries.toml"):
    head = ('[meta]\nvintage = "2026-07-23"\nchecked = "2026-12-01"\ngroups = ["A:5", "D:5"]\n'
            '[meta.sources.s]\ntitle = "t"\n')
    p = tmp_path / name
    p.write_text(head + text)
    return p


@pytest.mark.parametrize("body,field,problem", [
    ('[countries]\nFR = { name = "France", groups = ["A:9"] }\n', "countries.FR.groups", "unknown group 'A:9'"),
    ('[countries]\nFR = { name = "France", aliases = ["Germany"] }\nDE = { name = "Germany" }\n',
     "countries.", "also names"),
    ('[countries]\nFR = { name = "France", aliases = ["DE"] }\nDE = { name = "Germany" }\n',
     "countries.", "also names"),
    ('[countries]\nfr = { name = "France" }\n', "countries.fr", "ISO 3166"),
    ('[countries]\nFR = { nme = "France" }\n', "countries.FR.nme", "unknown field"),
    ('[countries]\nFR = { name = "France" }\n[[change]]\ncode = "FR"\ngroup = "A:5"\naction = "added"\n'
     'first_seen = "2026-13-01"\nsource = "s"\nnote = "n"\n', "change[0].first_seen", "not a date"),
    ('[countries]\nFR = { name = "France" }\n[[change]]\ncode = "XX"\ngroup = "A:5"\naction = "added"\n'
     'first_seen = "2026-01-01"\nsource = "s"\nnote = "n"\n', "change[0].code", "not a country"),
])
def test_malformed_file_names_file_and_field(tmp_path, body, field, problem):
    p = _write(tmp_path, body)
    with pytest.raises(SpecError) as e:
        load_countries(p)
    msg = str(e.value)
    assert msg.startswith(str(p)) and field in msg and problem in msg and "\n" not in msg


def test_invalid_toml_and_duplicate_code_are_one_error(tmp_path):
    p = _write(tmp_path, '[countries]\nFR = { name = "France" }\nFR = { name = "France" }\n')
    with pytest.raises(SpecError, match="not valid TOML"):
        load_countries(p)
    with pytest.raises(SpecError, match="cannot read"):
        load_countries(tmp_path / "absent.toml")


def test_the_country_file_and_the_rules_agree_on_the_day_they_were_checked():
    from tpp.rules import RULES_CHECKED

    assert load_countries().checked == RULES_CHECKED
