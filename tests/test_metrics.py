import pytest

from tpp.errors import InputError
from tpp.metrics import applicable_die_area, bit_length, performance_density, total_processing_performance
from tpp.specs import Die, Quantity


def q(v, basis="published"):
    return Quantity(v, "s", basis, None if basis == "published" else "n")


def test_bit_lengths_follow_the_technical_note():
    assert [bit_length(p) for p in ("fp64", "fp64_tensor", "fp32", "tf32", "bf16", "fp16", "fp8", "fp6", "fp4",
                                    "int8", "int4")] == [64, 64, 32, 32, 16, 16, 8, 6, 4, 8, 4]
    with pytest.raises(InputError, match="unknown precision 'fp12'"):
        bit_length("fp12")


def test_regulation_examples_600_int8_and_300_fp16_give_4800():
    assert total_processing_performance({"int8": 600}).tpp == 4800
    assert total_processing_performance({"fp16": 300}).tpp == 4800


def test_tpp_is_the_max_and_names_the_binding_precision():
    r = total_processing_performance({"fp16": 989.5, "fp8": 1979, "fp64": 67})
    assert r.tpp == 15832
    assert r.binding == ("fp16", "fp8")  # 989.5 x 16 == 1979 x 8
    r = total_processing_performance({"fp16": 148, "fp8": 200})  # 2368 vs 1600
    assert r.binding == ("fp16",) and r.tpp == 2368
    assert total_processing_performance({}).tpp is None


def test_rounding_ties_within_half_a_percent_all_bind():
    r = total_processing_performance({"fp16": 165, "int4": 661})  # 2640 vs 2644 (A30 datasheet rounding)
    assert r.tpp == 2644 and set(r.binding) == {"int4", "fp16"}
    r = total_processing_performance({"fp16": 160, "int8": 330})  # 2560 vs 2640: 3% apart, one binds
    assert r.binding == ("int8",)


def test_non_positive_rate_is_rejected():
    with pytest.raises(InputError):
        total_processing_performance({"fp16": 0})


def test_applicable_area_counts_non_planar_logic_and_io_not_memory():
    dies = [Die("logic", 8, True, "N5", q(115)), Die("io", 4, True, "N6", q(370, "estimated")),
            Die("memory", 8, True, "DRAM", q(110))]
    a = applicable_die_area(dies)
    assert a.area_mm2 == 8 * 115 + 4 * 370
    assert a.estimated is True


def test_area_unknown_or_undefined():
    assert applicable_die_area([]).area_mm2 is None
    planar = applicable_die_area([Die("logic", 1, False, "28nm", q(500))])
    assert planar.area_mm2 is None and "undefined" in planar.reason
    unknown = applicable_die_area([Die("logic", 2, True, "4NP", None)])
    assert unknown.area_mm2 is None and "area not known" in unknown.reason
    # an I/O die of unknown area makes the sum unknown, not smaller
    assert applicable_die_area([Die("logic", 1, True, "N5", q(100)), Die("io", 1, True, "N6", None)]).area_mm2 is None
    # a planar I/O die is not counted
    assert applicable_die_area([Die("logic", 1, True, "N5", q(100)), Die("io", 1, False, "N12", None)]).area_mm2 == 100


def test_performance_density():
    assert performance_density(15832, 814) == pytest.approx(19.45, abs=0.005)
    assert performance_density(None, 814) is None and performance_density(100, None) is None
    with pytest.raises(InputError):
        performance_density(100, 0)
