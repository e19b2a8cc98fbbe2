"""The architecture table: it validates like the spec files, and SMs x ops x clock reproduces datasheets."""

import json
from pathlib import Path

import pytest

from tpp.bench.arch import BENCH_PRECISIONS, device_peak_tflops, load_architectures
from tpp.bench.errors import SpecError
from tpp.bench.report import peak_gap

FIX = Path(__file__).parent / "fixtures"


def fixture(name):
    return json.loads((FIX / f"device_{name}.json").read_text())


def test_table_loads_with_sources_and_notes():
    table = load_architectures()
    assert {"7.0", "7.5", "8.0", "8.6", "8.9", "9.0"} <= set(table)
    for arch in table.values():
        assert set(arch.ops_per_sm_per_clock) <= set(BENCH_PRECISIONS)
        for q in arch.ops_per_sm_per_clock.values():
            assert q.source in arch.sources and q.basis in ("published", "derived", "estimated")


# (fixture, spec id, {precision: (datasheet field, consumer, accumulate)})
CASES = [
    ("a100_sxm4_80gb", "nvidia-a100-sxm4-80gb", {"fp64": "fp64_tensor", "fp32": "fp32", "tf32": "tf32",
                                                  "bf16": "bf16", "fp16": "fp16", "int8": "int8"}),
    ("h100_sxm", "nvidia-h100-sxm", {"tf32": "tf32", "bf16": "bf16", "fp16": "fp16", "fp8": "fp8", "int8": "int8"}),
    ("l4", "nvidia-l4", {"fp32": "fp32", "tf32": "tf32", "bf16": "bf16", "fp16": "fp16", "fp8": "fp8",
                         "int8": "int8"}),
]


@pytest.mark.parametrize("name,spec_id,pairs", CASES, ids=[c[0] for c in CASES])
def test_device_peak_reproduces_the_datasheet_at_its_clock(db, name, spec_id, pairs):
    fx, spec = fixture(name), db.get(spec_id)
    t = fx["torch"]
    for prec, field in pairs.items():
        got = device_peak_tflops(f"{t['major']}.{t['minor']}", t["multi_processor_count"],
                                 fx["datasheet_clock_mhz"], prec)
        assert got == pytest.approx(spec.rate(field), rel=0.01), (name, prec)


def test_h100_fp32_and_fp64_use_the_max_clock(db):
    spec = db.get("nvidia-h100-sxm")
    for prec, field in (("fp32", "fp32"), ("fp64", "fp64_tensor")):
        assert device_peak_tflops("9.0", 132, 1980, prec) == pytest.approx(spec.rate(field), rel=0.01)


def test_rtx_4090_consumer_halving(db):
    spec = db.get("nvidia-rtx-4090")
    peak = lambda p, **kw: device_peak_tflops("8.9", 128, 2520, p, consumer=True, **kw)  # noqa: E731
    assert peak("fp16", accumulate="fp16") == pytest.approx(spec.rate("fp16"), rel=0.01)  # 330.3, the datasheet
    assert peak("fp16") == pytest.approx(165.2, rel=0.01)  # FP32 accumulate: what torch.mm runs
    assert peak("bf16") == pytest.approx(spec.rate("bf16"), rel=0.01)
    assert peak("fp8", accumulate="fp16") == pytest.approx(spec.rate("fp8"), rel=0.01)
    assert peak("tf32") == pytest.approx(spec.rate("tf32"), rel=0.01)
    assert peak("int8") == pytest.approx(spec.rate("int8"), rel=0.01)  # integer: not halved
    assert peak("fp32") == pytest.approx(spec.rate("fp32"), rel=0.01)


def _matmul(dtype, datasheet, at_max, clock):
    return {"kind": "matmul", "datasheet": datasheet,
            "device_peak": {"at_max_clock": at_max, "max_clock_mhz": clock}}


def test_h100_at_nvml_max_clock_is_flagged_not_substituted(db):
    ds = db.get("nvidia-h100-sxm").rate("bf16")
    derived = device_peak_tflops("9.0", 132, 1980, "bf16")
    assert derived / ds == pytest.approx(1.082, abs=0.005)
    assert "+8%" in peak_gap(_matmul("bf16", ds, derived, 1980))


@pytest.mark.parametrize("spec_id,cc,sms,clock", [
    # SM counts of the China-specific parts are as community device dumps report them; the flag holds for any
    # count above a fifth of these, since the caps are far below the formula.
    ("nvidia-h20", "9.0", 78, 1980),
    ("nvidia-l20", "8.9", 92, 2520),
])
def test_capped_parts_are_flagged(db, spec_id, cc, sms, clock):
    ds = db.get(spec_id).rate("bf16")
    derived = device_peak_tflops(cc, sms, clock, "bf16")
    assert derived > 1.5 * ds
    assert "capped" in peak_gap(_matmul("bf16", ds, derived, clock))


def test_no_flag_within_two_percent_and_unknowns_are_none():
    assert peak_gap(_matmul("bf16", 100.0, 101.5, 1000)) is None
    assert device_peak_tflops("9.0", 132, 1830, "fp4") is None
    assert device_peak_tflops("1.0", 10, 1000, "fp32") is None
    assert device_peak_tflops("9.0", None, 1830, "fp32") is None


@pytest.mark.parametrize("text,needle", [
    ('[architectures."9.0"]\nname = "x"\nbf16 = 4096\n', "architectures.9.0.bf16: a bare number"),
    ('[architectures."9.0"]\nname = "x"\nbf17 = { value = 1, source = "s", basis = "published" }\n',
     "unknown precision"),
    ('[architectures."9.0"]\nname = "x"\nbf16 = { value = 1, source = "nope", basis = "published" }\n',
     "'nope' is not a key of [sources]"),
    ('[architectures."9.0"]\nname = "x"\nbf16 = { value = 1, source = "s", basis = "derived" }\n', "needs a note"),
    ('[architectures.hopper]\nname = "x"\n', "compute capability"),
])
def test_loader_names_file_and_field(tmp_path, text, needle):
    p = tmp_path / "architectures.toml"
    p.write_text(text + '[sources.s]\ntitle = "t"\nurl = "https://example.com"\n')
    with pytest.raises(SpecError) as e:
        load_architectures(p)
    assert str(p) in str(e.value) and needle in " ".join(e.value.problems)


# (spec id, compute capability, SMs, clock MHz, consumer, {precision: (datasheet field, accumulate)}); SM counts
# and clocks as NVIDIA's datasheets and whitepapers give them (L40: 142 SMs at 2490 MHz boost).
MORE = [
    ("nvidia-a40", "8.6", 84, 1740, False, {"tf32": ("tf32", "fp32"), "bf16": ("bf16", "fp32"),
                                             "int8": ("int8", "fp32")}),
    ("nvidia-a10", "8.6", 72, 1695, False, {"tf32": ("tf32", "fp32"), "bf16": ("bf16", "fp32"),
                                             "int8": ("int8", "fp32")}),
    ("nvidia-l40s", "8.9", 142, 2520, False, {"tf32": ("tf32", "fp32"), "bf16": ("bf16", "fp32"),
                                               "fp8": ("fp8", "fp32"), "int8": ("int8", "fp32")}),
    ("nvidia-l40", "8.9", 142, 2490, False, {"tf32": ("tf32", "fp32"), "bf16": ("bf16", "fp32"),
                                              "fp8": ("fp8", "fp32"), "int8": ("int8", "fp32")}),
    ("nvidia-b200", "10.0", 148, 1856, False, {"bf16": ("bf16", "fp32"), "fp16": ("fp16", "fp32"),
                                                "fp8": ("fp8", "fp32")}),
    ("nvidia-rtx-5090", "12.0", 170, 2407, True, {"fp32": ("fp32", "fp32"), "tf32": ("tf32", "fp32"),
                                                   "bf16": ("bf16", "fp32"), "fp16": ("fp16", "fp16"),
                                                   "fp8": ("fp8", "fp16"), "int8": ("int8", "fp32")}),
]


@pytest.mark.parametrize("spec_id,cc,sms,clock,consumer,pairs", MORE, ids=[m[0] for m in MORE])
def test_more_parts_reproduce_their_datasheet(db, spec_id, cc, sms, clock, consumer, pairs):
    spec = db.get(spec_id)
    for prec, (field, acc) in pairs.items():
        got = device_peak_tflops(cc, sms, clock, prec, consumer=consumer, accumulate=acc, spec_id=spec_id)
        assert got == pytest.approx(spec.rate(field), rel=0.015), (spec_id, prec)


def test_the_l40_is_half_the_table_and_the_l40s_is_not(db):
    full = device_peak_tflops("8.9", 142, 2490, "bf16")
    assert device_peak_tflops("8.9", 142, 2490, "bf16", spec_id="nvidia-l40") == pytest.approx(full / 2)
    assert device_peak_tflops("8.9", 142, 2490, "bf16", spec_id="nvidia-l40s") == full
    assert device_peak_tflops("8.9", 142, 2490, "fp32", spec_id="nvidia-l40") == pytest.approx(
        db.get("nvidia-l40").rate("fp32"), rel=0.01)  # CUDA cores: not halved


def test_blackwell_fp32_and_sm_103_without_invented_rates(db):
    assert device_peak_tflops("10.0", 148, 1980, "fp32") == pytest.approx(db.get("nvidia-b200").rate("fp32"), rel=0.01)
    assert device_peak_tflops("12.0", 188, 2597, "fp32") == pytest.approx(
        db.get("nvidia-rtx-pro-6000-blackwell").rate("fp32"), rel=0.01)
    assert device_peak_tflops("10.3", 148, 1856, "bf16") == pytest.approx(db.get("nvidia-b300").rate("bf16"), rel=0.01)
    # B300's INT8 and FP64 are cut with no per-SM rate published: no device peak rather than B200's
    assert device_peak_tflops("10.3", 148, 1856, "int8") is None
    assert device_peak_tflops("10.3", 148, 1856, "fp64") is None


def test_half_rate_parts_are_validated(tmp_path):
    p = tmp_path / "architectures.toml"
    p.write_text('[architectures."9.0"]\nname = "x"\nbf16 = { value = 1, source = "s", basis = "published" }\n'
                 '[half_rate_parts."x"]\nprecisions = ["bf17"]\nsource = "nope"\n'
                 '[sources.s]\ntitle = "t"\nurl = "https://example.com"\n')
    with pytest.raises(SpecError) as e:
        load_architectures(p)
    text = " ".join(e.value.problems)
    assert "half_rate_parts.x.precisions" in text and "'nope' is not a key" in text and "needs a note" in text
