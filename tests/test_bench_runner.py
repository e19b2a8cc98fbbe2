"""The measured TPP: classified with the calculator's rules, labelled measured, only from correct results."""

import pytest

from tpp.bench.runner import BenchConfig, _int8_note, measured_tpp
from tpp.errors import InputError

from .conftest import TODAY


def mm(dtype, median, correct=True):
    return {"kind": "matmul", "dtype": dtype, "label": dtype, "median": median, "correct": correct, "warnings": []}


def doc(*results):
    return {"device": {"name": "NVIDIA H100 80GB HBM3"}, "results": list(results)}


def test_measured_tpp_on_an_h100(db):
    spec = db.get("nvidia-h100-sxm")
    d = doc(mm("bf16", 700.0), mm("fp8", 1400.0), mm("fp8", 1550.0), mm("fp16", 9999.0, correct=False),
            {"kind": "bandwidth", "best": 2970.0, "correct": True})
    t = measured_tpp(d, spec, TODAY)
    assert t["tpp"] == pytest.approx(1550 * 8) and t["binding_precision"] == "fp8"
    assert t["label"].startswith("measured") and t["datasheet_tpp"] == pytest.approx(15832, rel=0.001)
    assert t["classification"]["paragraph"] == "3A090.a.1"


def test_no_correct_result_no_tpp(db):
    t = measured_tpp(doc(mm("bf16", 1.0, correct=False)), None)
    assert t["tpp"] is None and t["classification"] is None


def test_int8_library_limited():
    d = doc(mm("fp8", 1400.0), mm("int8", 600.0))
    _int8_note(d)
    assert "library-limited" in d["results"][1]["warnings"][0]


@pytest.mark.parametrize("kw,msg", [({"precisions": ("fp7",)}, "--precision 'fp7'"),
                                    ({"quick": True, "sweep": True}, "exclude")])
def test_config_rejects(kw, msg):
    with pytest.raises(InputError, match=msg):
        BenchConfig(**kw)
