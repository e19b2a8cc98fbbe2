"""``tpp devices`` and ``tpp bench``: thin commands over tpp.bench (torch is imported only when they run)."""

from __future__ import annotations

import contextlib
import sys

import click

from tpp.cli.common import echo_policy_report, handle_errors

__all__ = ["devices", "bench"]
# CUDA_DEVICE_ORDER=PCI_BUS_ID is set by tpp.bench itself (imported by every command here before torch)


@click.command()
@handle_errors
def devices():
    """List the CPU and the CUDA devices, and the spec entry each one matches.

    \b
    Example:
        tpp devices
    """
    from tpp.bench import devices as dv
    from tpp.bench import report
    from tpp.render import table
    from tpp.specs import load_database

    infos, db = dv.list_devices(), load_database()
    click.echo(table(report.device_rows(infos, [dv.match_spec(i, db) for i in infos])))


@click.command()
@click.option("--device", default="cuda", show_default=True,
              help="cpu, cuda or cuda:N (under torchrun, cuda means each rank's cuda:LOCAL_RANK).")
@click.option("--quick", is_flag=True,
              help="The canonical 8192^3 shape, ~1 s per precision and ~0.5 s per bandwidth kernel after a 5 s "
                   "warm-up: an estimated 30-60 s on an H100 with start-up (not yet timed on a GPU); 20-60 s on a "
                   "2-core CPU VM (1024^3). Default mode: 2 s / 1 s windows after a 15 s warm-up.")
@click.option("--sweep", is_flag=True,
              help="Search matmul shapes for the maximum: the canonical one, mamf-finder's best non-square shapes "
                   "(e.g. 2048x2048x13312, 1280x4096x12032), long-K and square ones, 0.5 s each after a 30 s "
                   "warm-up, shape by shape until --sweep-budget.")
@click.option("--sweep-budget", type=click.FloatRange(1), default=900.0, show_default=True, metavar="SECONDS",
              help="--sweep: matmul shapes not started by then are skipped, saying so.")
@click.option("--only", type=click.Choice(["matmul", "bandwidth"]),
              help="Measure only the matmuls or only the memory bandwidth.")
@click.option("--kernel", "kernels", multiple=True,
              type=click.Choice(["copy", "mul", "add", "triad", "dot", "read", "write"]),
              help="Only this bandwidth kernel (repeatable; default: all seven).")
@click.option("--precision", "precisions", multiple=True,
              type=click.Choice(["fp64", "fp32", "tf32", "bf16", "fp16", "fp8", "int8"]),
              help="Only this precision (repeatable; default: all).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False),
              help="Write the result file here, after every result (one group file for --all-gpus/torchrun).")
@click.option("--replace", is_flag=True, help="Overwrite an existing --json file.")
@click.option("--policy", "policy_path", type=click.Path(dir_okay=False),
              help="A lab policy file (see 'tpp check'): check the run against it; exit 1 if a check fails.")
@click.option("--baseline-dir", type=click.Path(file_okay=False),
              help="With --policy: where the baselines are (default: the policy's [baseline] dir, $TPP_BASELINES).")
@click.option("--all-gpus", is_flag=True,
              help="Every GPU of this node at once, one process each: stragglers, aggregate TPP, 4A090.")
@click.option("--devices", "device_list", metavar="LIST",
              help="Like --all-gpus for these devices only, e.g. cuda:0,cuda:2.")
@click.option("--straggler-pct", type=click.FloatRange(0, 100, min_open=True), default=10.0, show_default=True,
              help="--all-gpus/torchrun: a GPU this far below its node's best on a measurement is a straggler.")
@click.option("--distributed/--no-distributed", default=None,
              help="Gather every rank to rank 0 (default: on when started by torchrun; --distributed under a "
                   "plain srun reads SLURM_PROCID/SLURM_NTASKS and MASTER_ADDR/MASTER_PORT).")
@click.option("--dist-timeout", type=click.IntRange(1), default=1800, show_default=True, metavar="SECONDS",
              help="Distributed: how long a rank waits for the others to join or to finish.")
@click.option("--tiny", is_flag=True, hidden=True, envvar="TPP_BENCH_TINY", help="Tiny sizes (tests only).")
@handle_errors
def bench(device, quick, sweep, sweep_budget, only, kernels, precisions, json_path, replace, policy_path,
          baseline_dir, all_gpus, device_list, straggler_pct, distributed, dist_timeout, tiny):
    """Measure the local accelerator: matmul per precision, memory bandwidth, measured TPP and its class.

    With --all-gpus, every GPU of the node is measured at once (one process each) into one group file, with
    the stragglers, the node's aggregate TPP and the 4A090 paragraph of a computer holding those GPUs. Under
    torchrun (or srun with --distributed), every rank measures its GPU and rank 0 writes one group file for the
    whole job; a rank that dies is named and the others' results are kept.

    \b
    Example:
        tpp bench --quick
        tpp bench --device cpu --quick
        tpp bench --precision bf16 --precision fp8 --sweep --json h100.json
        tpp bench --only bandwidth --kernel triad --kernel read
        tpp bench --quick --json run.json --policy lab.toml
        tpp bench --all-gpus --quick --json node.json --policy lab.toml
        torchrun --nnodes 4 --nproc-per-node 8 --rdzv-backend c10d --rdzv-endpoint HEAD:29500 \\
            -m tpp bench --quick --json cluster.json
    """
    from tpp.bench.progress import make_progress
    from tpp.bench.runner import BenchConfig
    from tpp.errors import InputError

    policy = None
    if policy_path:  # a bad policy file stops before anything is measured
        from tpp import lab

        policy = lab.load_policy(policy_path)
    denv = None
    if distributed is not False:
        from tpp.bench import distributed as dd

        denv = dd.detect()
        if denv is None and distributed:
            denv = dd.slurm_env()
    if denv is not None and (all_gpus or device_list):
        raise InputError("--all-gpus/--devices under torchrun or srun: the launcher already starts one process "
                         "per GPU (pass --no-distributed to run --all-gpus inside one task)")
    if all_gpus and device_list:
        raise InputError("--all-gpus and --devices exclude each other")
    matmul, kernels = _parts(only, kernels, precisions)
    cfg = BenchConfig(device, quick, sweep, tuple(precisions), kernels=kernels, matmul=matmul, json_path=json_path,
                      replace=replace, tiny=tiny, argv=tuple(sys.argv), sweep_budget_s=sweep_budget)
    if all_gpus or device_list:
        from tpp.bench import node

        devs = node.parse_devices(device_list) if device_list else tuple(node.cuda_devices())
        ncfg = node.NodeConfig(devs, quick, sweep, tuple(precisions), tiny, json_path, replace, straggler_pct,
                               tuple(sys.argv), only=only, kernels=tuple(kernels) if kernels != _ALL else (),
                               sweep_budget_s=sweep_budget)
        with _report_interrupted(json_path), make_progress("tpp bench --all-gpus") as bar:
            doc = node.run_node(ncfg, progress=bar if bar.live else _NodeProgress())
        _group_output(doc, json_path, policy, policy_path, baseline_dir)
    elif denv is not None:
        # one bar, rank 0's: every local rank shares the launcher's terminal
        with _report_interrupted(json_path), make_progress(f"rank {denv.rank}", enabled=denv.rank == 0) as bar:
            doc = dd.run_distributed(cfg, denv, progress=bar, timeout_s=dist_timeout, straggler_pct=straggler_pct)
        if denv.rank == 0:
            _group_output(doc, json_path, policy, policy_path, baseline_dir)
        else:
            click.echo(f"rank {denv.rank} ({doc['device']['name']}): {len(doc['results'])} result(s) sent to "
                       "rank 0")
    else:
        from tpp.bench.signals import sigterm_as_interrupt

        with sigterm_as_interrupt(), make_progress("tpp bench") as bar:
            from tpp.bench.runner import run_bench

            doc = run_bench(cfg, progress=bar)
        _single_output(doc, json_path, policy, policy_path, baseline_dir)


_ALL = ("copy", "mul", "add", "triad", "dot", "read", "write")


def _parts(only, kernels, precisions) -> tuple[bool, tuple[str, ...]]:
    """(measure matmuls?, bandwidth kernels) from --only, --kernel and --precision."""
    from tpp.errors import InputError

    if only == "matmul" and kernels:
        raise InputError("--only matmul and --kernel exclude each other")
    if only == "bandwidth" and precisions:
        raise InputError("--only bandwidth and --precision exclude each other")
    return only != "bandwidth", () if only == "matmul" else tuple(kernels) or _ALL


@contextlib.contextmanager
def _report_interrupted(json_path):
    """An interrupted group still shows what it kept (the table, the missing ranks) before the Error line."""
    from tpp.bench.errors import BenchInterrupted

    try:
        yield
    except BenchInterrupted as exc:
        if exc.doc is not None:
            _group_table(exc.doc, json_path)
        raise


class _NodeProgress:
    """Without a terminal: one line per process that ends ('[3/8] rank 2 cuda:2 finished'), on stderr (a log)."""

    def __call__(self, done: int, total: int, label: str) -> None:
        click.echo(f"[{done}/{total}] {label}", err=True)


def _check_policy(policy, policy_path, docs, baseline_dir, n_runs) -> None:
    from tpp import lab
    from tpp.errors import Failure

    checked = lab.evaluate_policy(policy, docs, baseline=baseline_dir)
    click.echo()
    echo_policy_report(checked, n_runs)
    if checked.exit_code:
        raise Failure(f"policy {policy_path}: {len(checked.failures)} check(s) failed")


def _single_output(doc, json_path, policy, policy_path, baseline_dir) -> None:
    from tpp.bench import report
    from tpp.errors import Failure
    from tpp.render import table

    click.echo(table(report.matmul_rows(doc)))
    click.echo()
    click.echo(table(report.bandwidth_rows(doc)))
    click.echo()
    click.echo("\n".join(report.summary_lines(doc, json_path)))
    if report.faults(doc):
        raise Failure("correctness check failed: a wrong fast answer is a hardware or library fault")
    if policy is not None:
        _check_policy(policy, policy_path, [doc], baseline_dir, 1)


def _group_table(doc, json_path) -> None:
    from tpp.bench import group
    from tpp.render import table

    if doc["runs"]:
        click.echo(table(group.gpu_rows(doc)))
        click.echo()
    click.echo("\n".join(group.report_lines(doc, json_path)))
    if doc["meta"].get("parts_dir"):
        click.echo(f"per-process results and logs: {doc['meta']['parts_dir']}")


def _group_output(doc, json_path, policy, policy_path, baseline_dir) -> None:
    """The per-GPU table, stragglers, aggregate TPP and 4A090 per node, missing ranks; then the policy."""
    from tpp.bench import report
    from tpp.errors import Failure

    _group_table(doc, json_path)
    faulty = [f"rank {r['meta'].get('rank')} {', '.join(report.faults(r))}" for r in doc["runs"] if report.faults(r)]
    if policy is not None:
        try:
            _check_policy(policy, policy_path, [doc], baseline_dir, len(doc["runs"]))
        except Failure:
            if not (doc["missing"] or faulty):
                raise
    if doc["missing"]:
        names = ", ".join(f"rank {m['rank']} ({m['status']})" for m in doc["missing"])
        kept = "the results of the others are kept" if doc["runs"] else "nothing was measured"
        raise Failure(f"{len(doc['missing'])} of {doc['meta']['world_size']} process(es) did not finish: {names}; "
                       f"{kept}")
    if faulty:
        raise Failure(f"correctness check failed on {'; '.join(faulty)}: a wrong fast answer is a hardware or "
                       "library fault")
