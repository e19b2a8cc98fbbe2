"""FLOP and byte counting, and the statistics of raw per-iteration times."""

import pytest

from tpp.bench.stats import STREAM_ARRAYS, Measurement, matmul_flops, stream_bytes


def test_matmul_flops_counts_two_per_fma():
    assert matmul_flops(8192, 8192, 8192) == 2 * 8192**3
    assert matmul_flops(2, 3, 4) == 48


@pytest.mark.parametrize("kernel,arrays", [("copy", 2), ("mul", 2), ("add", 3), ("triad", 3), ("dot", 2),
                                           ("read", 1), ("write", 1)])
def test_stream_bytes_as_babelstream(kernel, arrays):
    n = 1 << 25  # BabelStream's default array size, in doubles
    assert stream_bytes(kernel, n) == arrays * n * 8
    assert STREAM_ARRAYS[kernel] == arrays


def test_measurement_statistics():
    m = Measurement((1.0, 2.0, 3.0, 4.0, 5.0), work=10.0, warmup_seconds=(100.0,))
    assert m.median_s == 3.0 and m.best_s == 1.0
    assert m.iqr_over_median == pytest.approx((4.0 - 2.0) / 3.0)
    assert m.rate("median", 1) == pytest.approx(10 / 3) and m.rate("best", 1) == 10.0
    assert "noisy" in m.warnings()[0]  # warm-ups are kept apart: 100 s does not count


def test_steady_measurement_has_no_warning_and_one_sample_works():
    assert Measurement((1.0, 1.01, 0.99, 1.0), 1.0).warnings() == []
    one = Measurement((2.0,), 4.0)
    assert one.iqr_over_median == 0 and one.rate("median", 1) == 2.0


@pytest.mark.parametrize("bad", [(), (0.0,), (1.0, -1.0)])
def test_measurement_rejects_non_positive_times(bad):
    with pytest.raises(ValueError):
        Measurement(bad, 1.0)
