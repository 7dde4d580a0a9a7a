"""Several devices and processes on the command line: `train`'s options for
them, setting them up before the backend starts, and how a run of several
processes reports and ends (see `seqkeras.distribute`)."""

import argparse
import os
import sys

from seqkeras.errors import InvalidArgumentError


def add_device_arguments(parser):
    """`train`'s options for several devices and processes (read before the
    backend starts, see `start_devices`)."""
    from seqkeras.cli.command import positive_int

    group = parser.add_argument_group(
        "several devices or machines (see README, Training on several devices or "
        "machines)"
    )
    group.add_argument(
        "--devices",
        type=positive_int,
        default=None,
        metavar="N",
        help="train on N devices of this machine, each on an equal share of every "
        "batch: its GPUs, or its processor split into N where there are none "
        "(default 1)",
    )
    group.add_argument(
        "--coordinator",
        default=None,
        metavar="HOST:PORT",
        help="with several processes (JAX): the address of process 0, which "
        "listens there (default: $SEQKERAS_COORDINATOR)",
    )
    group.add_argument(
        "--num-processes",
        type=positive_int,
        default=None,
        metavar="N",
        help="how many processes train together (default: $SEQKERAS_NUM_PROCESSES)",
    )
    group.add_argument(
        "--process-id",
        type=int,
        default=None,
        metavar="I",
        help="this process's number, 0 to N-1; process 0 writes the run "
        "(default: $SEQKERAS_PROCESS_ID)",
    )
    group.add_argument(
        "--heartbeat-timeout",
        type=positive_int,
        default=100,
        metavar="SECONDS",
        help="a process silent this long is taken for dead and the run stops "
        "(default 100)",
    )


def start_devices(argv):
    """Before the backend starts, for `train`: makes `--devices` devices of
    the processor where there are no GPUs, and joins the run's other
    processes (`--coordinator`, `--num-processes`, `--process-id`, or the
    `SEQKERAS_*` variables a cluster scheduler sets); see
    `seqkeras.distribute`."""
    if not argv or argv[0] != "train":
        return
    parser = argparse.ArgumentParser(add_help=False)
    add_device_arguments(parser)
    args, _ = parser.parse_known_args(argv)
    if args.devices is None and args.coordinator is None:
        if not os.environ.get(distribute_variables()[0]):
            return
    from seqkeras import distribute

    if args.devices is not None:
        distribute.use_devices(args.devices)
    timeouts = {"heartbeat_timeout": args.heartbeat_timeout}
    if args.coordinator is None and args.num_processes is None:
        distribute.start_processes_from_environment(**timeouts)
        return
    if None in (args.coordinator, args.num_processes, args.process_id):
        raise InvalidArgumentError(
            "--coordinator, --num-processes and --process-id go together: give "
            "all three (or set SEQKERAS_COORDINATOR, SEQKERAS_NUM_PROCESSES and "
            "SEQKERAS_PROCESS_ID)."
        )
    distribute.start_processes(
        args.coordinator, args.num_processes, args.process_id, **timeouts
    )


def distribute_variables():
    from seqkeras.distribute import (
        COORDINATOR_VARIABLE,
        NUM_PROCESSES_VARIABLE,
        PROCESS_ID_VARIABLE,
    )

    return COORDINATOR_VARIABLE, NUM_PROCESSES_VARIABLE, PROCESS_ID_VARIABLE


def leave(status):
    """Exits with `status`. A process of a run of several that fails leaves
    at once: exiting normally would wait for the others at JAX's shutdown
    barrier, which fails only when their heartbeat times out."""
    if status and "jax" in sys.modules:
        import jax

        if jax.process_count() > 1:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)
    return status


def device_counts(args):
    """`metrics.json`'s `devices` (all processes together) and `processes`."""
    from seqkeras import distribute

    processes = distribute.process_count()
    if processes > 1:
        import jax

        return {"devices": jax.device_count(), "processes": processes}
    return {"devices": args.devices or 1, "processes": 1}


def lost_peer(error):
    """Whether `error` says that a collective lost another process (gloo's
    "Connection reset by peer" and the like)."""
    text = str(error).lower()
    names = {"XlaRuntimeError", "JaxRuntimeError"}
    return type(error).__name__ in names or "gloo" in text or "coordination" in text


def first_line(error):
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else type(error).__name__
