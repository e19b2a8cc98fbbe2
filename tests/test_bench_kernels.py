"""The Triton bandwidth kernels (kernels/stream.py) under Triton's CPU interpreter, against numpy.

TRITON_INTERPRET must be set before triton is first imported, so the check runs in a fresh interpreter.
"""

import os
import subprocess
import sys
import textwrap

import pytest

from tpp.bench.kernels import kernels_dir

SCRIPT = textwrap.dedent("""
    import torch
    from tpp.bench.bandwidth import KERNELS, StreamArrays, verify
    from tpp.bench.kernels import load_stream
    stream = load_stream()
    for n in (1, 1000, 4097):  # partial blocks: the masks matter
        g = torch.Generator().manual_seed(n)
        arr = StreamArrays(*(torch.rand(n, dtype=torch.float64, generator=g) for _ in range(3)), [None])
        ops = stream.make_ops(torch, arr, 0.4, block=256)
        for k in KERNELS:
            ops[k]()
            ok, err = verify(torch, k, arr)
            assert ok, (k, n, err)
    print("OK", len(KERNELS))
""")


def test_kernels_are_found_where_the_specs_are():
    assert (kernels_dir() / "stream.py").is_file()


def test_triton_kernels_match_numpy_in_the_interpreter():
    pytest.importorskip("torch")
    pytest.importorskip("numpy")
    pytest.importorskip("triton", reason="triton is not installed (pip install triton)")
    env = {**os.environ, "TRITON_INTERPRET": "1"}
    p = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=120)
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.strip() == "OK 7"


# ------------------------------------------------------------------ compiled for real GPU targets (no GPU needed)

#: What every parameter must be on the GPU: float64 arrays, a float64 scalar (BabelStream's 0.4 is a double),
#: an int32 element count, the block size a compile-time constant.
WANT_TYPES = {"a": "*fp64", "b": "*fp64", "c": "*fp64", "partial": "*fp64", "s": "fp64", "n": "i32",
              "BLOCK": "constexpr"}
TARGETS = (80, 90, 100, 120)


@pytest.fixture(scope="module")
def stream_launches():
    torch = pytest.importorskip("torch")
    pytest.importorskip("triton", reason="triton is not installed (pip install triton): the kernels cannot be "
                                         "compiled for GPU targets")
    from tpp.bench.bandwidth import SCALAR, StreamArrays
    from tpp.bench.kernels import load_stream

    n = 1 << 20
    arr = StreamArrays(*(torch.rand(n, dtype=torch.float64) for _ in range(3)), [None])
    return load_stream().launches(torch, arr, SCALAR)


def compile_for(cc: int, fn, args, kw):
    """Compile one launch the way Triton's launcher would on a GPU of compute capability cc: the same binder
    types the actual arguments, then the real backend (ptxas included) builds the kernel."""
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource, make_backend
    from triton.runtime.jit import create_function_from_signature

    target = GPUTarget("cuda", cc, 32)
    backend = make_backend(target)
    binder = create_function_from_signature(fn.signature, fn.params, backend)
    bound, spec, opts = binder(*args, **kw)
    options, sig, constexprs, attrs = fn._pack_args(backend, kw, bound, spec, opts)
    return sig, triton.compile(ASTSource(fn, sig, constexprs, attrs), target=target, options=options.__dict__)


@pytest.mark.parametrize("cc", TARGETS)
def test_every_kernel_compiles_for_the_gpu_with_float64_parameters(stream_launches, cc):
    for name, (fn, _grid, args, kw) in stream_launches.items():
        sig, compiled = compile_for(cc, fn, args, kw)
        assert sig == {k: WANT_TYPES[k] for k in sig}, (name, cc, sig)
        params = [ln for ln in compiled.asm["ptx"].splitlines() if ".param" in ln]
        if "s" in sig:  # the PTX itself takes a double
            assert any(".param .f64" in ln for ln in params), (name, cc, params)
        assert not any(".param .f32" in ln for ln in params), (name, cc, params)


def test_an_unannotated_float_scalar_is_fp32_on_the_gpu(stream_launches):
    """The check above can fail: Triton types a plain Python float as fp32 (the defect it guards against)."""
    import triton
    import triton.language as tl

    @triton.jit
    def mul_fp32(b, c, s, n, BLOCK: tl.constexpr):
        offs = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        tl.store(b + offs, s * tl.load(c + offs, mask=offs < n), mask=offs < n)

    _, _, args, kw = stream_launches["mul"]
    sig, _ = compile_for(90, mul_fp32, args, kw)
    assert sig["s"] == "fp32" != WANT_TYPES["s"]
