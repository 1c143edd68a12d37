"""CPython beside the JavaScript runtimes: the article's experiment, standard library only.

Runs the cpu or io-blocking workload under CPython threads (ThreadPoolExecutor)
or processes (ProcessPoolExecutor) and prints one truepar.run/1 record, so
scripts/compare.ts can put CPython in the same tables. A fresh executor per
sample, created inside the timed region, as the article does.

    python3 scripts/python_driver.py --workload cpu --strategy threads --concurrency 2 --tasks 12 --iterations 1000000
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import datetime, timezone

EXECUTORS = {"threads": ThreadPoolExecutor, "processes": ProcessPoolExecutor}
# The column each strategy fills in truepar's tables.
STRATEGY_NAMES = {"sequential": "sequential", "threads": "workers", "processes": "processes"}


def cpu_task(iterations):
    """The article's cpu task."""
    res = 0
    for i in range(iterations):
        if not i % 2023:
            res += i
    return str(res)


def io_blocking_task(waits, wait_ms):
    """The article's io task: blocking sleeps, which release the GIL."""
    for _ in range(waits):
        time.sleep(wait_ms / 1000)
    return str(waits)


def positive(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, received {text!r}")
    return value


def host_info():
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        memory = 0
    arch = {"x86_64": "x64", "AMD64": "x64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpuModel": model, "cores": cores, "memoryBytes": memory, "os": sys.platform, "arch": arch}


def run_batch(args, concurrency):
    if args.workload == "cpu":
        task, params = cpu_task, (args.iterations,)
    else:
        task, params = io_blocking_task, (args.waits, args.wait_ms)
    start = time.perf_counter()
    if args.strategy == "sequential":
        checksums = [task(*params) for _ in range(args.tasks)]
    else:
        with EXECUTORS[args.strategy](max_workers=concurrency) as pool:
            checksums = list(pool.map(task, *[[p] * args.tasks for p in params]))
    elapsed = (time.perf_counter() - start) * 1000
    if len(set(checksums)) != 1:
        raise RuntimeError(f"tasks returned different checksums: {sorted(set(checksums))}")
    return elapsed, checksums[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=["cpu", "io-blocking"], default="cpu")
    parser.add_argument("--strategy", choices=list(STRATEGY_NAMES), default="threads")
    parser.add_argument("--concurrency", type=positive, default=1)
    parser.add_argument("--tasks", type=positive, default=24)
    parser.add_argument("--iterations", type=positive, default=1_000_000)
    parser.add_argument("--waits", type=positive, default=20)
    parser.add_argument("--wait-ms", type=float, default=2.0)
    parser.add_argument("--repeat", type=positive, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    args = parser.parse_args()
    started_at = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    samples, checksum = [], None
    for i in range(args.warmup + args.repeat):
        elapsed, checksum = run_batch(args, args.concurrency)
        if i >= args.warmup:
            samples.append(elapsed)
    params = {"iterations": args.iterations} if args.workload == "cpu" else {"waits": args.waits, "waitMs": args.wait_ms}
    median = statistics.median(samples)
    record = {
        "schema": "truepar.run/1",
        "runtime": {"name": "cpython", "version": platform.python_version(), "engine": f"{platform.python_implementation()} bytecode interpreter with the GIL"},
        "host": host_info(),
        "workload": {"name": args.workload, "params": params},
        "strategy": STRATEGY_NAMES[args.strategy],
        "executor": args.strategy,
        "tasks": args.tasks,
        "warmup": args.warmup,
        "repeat": args.repeat,
        "startedAt": started_at,
        "points": [{
            "concurrency": args.concurrency,
            "samplesMs": samples,
            "medianMs": median,
            "speedup": 1,
            "checksum": checksum,
            # The executor starts its workers lazily, inside the batch: start-up is not split out.
            "startupSamplesMs": [0] * len(samples),
            "startupMedianMs": 0,
            "batchSamplesMs": samples,
            "batchMedianMs": median,
            "batchSpeedup": 1,
        }],
    }
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
