"""CPython beside the JavaScript runtimes: the article's experiment, standard library only.

Runs the cpu or io-blocking workload under CPython threads (ThreadPoolExecutor)
or processes (ProcessPoolExecutor) and prints one truepar.run/1 record, so
scripts/compare.ts can put CPython in the same tables, measured the same way:
the levels in paired rounds with a control, each sample a cold batch on a
fresh executor (created inside the timed region, as the article does) and a
steady batch on the same executor, with the cores it kept busy.

    python3 scripts/python_driver.py --workload cpu --strategy threads --concurrency 1,2 --tasks 12 --iterations 1000000
"""

import argparse
import json
import os
import platform
import random
import statistics
import sys
import threading
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


_clock = threading.local()


def thread_times():
    """This thread's time on a CPU (exact) and waiting runnable for one (schedstat's run_delay), in ms; None without /proc."""
    fd = getattr(_clock, "fd", None)
    if fd is None:
        try:
            fd = _clock.fd = os.open("/proc/thread-self/schedstat", os.O_RDONLY)
        except OSError:
            _clock.fd = -1
            return None
    if fd < 0:
        return None
    wait = int(os.pread(fd, 96, 0).split()[1])
    return time.thread_time_ns() / 1e6, wait / 1e6


def traced(task, *params):
    """Runs one task and returns its checksum with its span: the lane (thread or process), start, end, CPU and run-queue wait."""
    before = thread_times()
    start = time.time() * 1000
    value = task(*params)
    end = time.time() * 1000
    after = thread_times()
    span = {"lane": threading.get_ident() if threading.current_thread() is not threading.main_thread() else os.getpid(), "startMs": start, "endMs": end}
    if before and after:
        span["cpuMs"], span["waitMs"] = after[0] - before[0], after[1] - before[1]
    return value, span


def stolen_ms():
    """CPU ms the hypervisor stole so far from this process's CPUs (/proc/stat's steal, in 10 ms ticks); None without it."""
    try:
        with open("/proc/stat", encoding="utf8") as stat:
            lines = {line.split()[0]: line.split() for line in stat if line.startswith("cpu")}
    except OSError:
        return None
    cpus = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
    return sum(int(lines[f"cpu{cpu}"][8]) for cpu in cpus if f"cpu{cpu}" in lines) * TICK_MS


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


def cpu_share(iterations, count):
    """A share of the batch in one call: what the ceiling runs in each process."""
    return [cpu_task(iterations) for _ in range(count)]


def task_and_params(args):
    if args.workload == "cpu":
        return cpu_task, (args.iterations,)
    return io_blocking_task, (args.waits, args.wait_ms)


TICK_MS = 10  # USER_HZ: /proc counts CPU time in hundredths of a second


def tree_cpu_ms(pool):
    """CPU of this process (every thread), its reaped children and the pool's live processes, in ms."""
    times = os.times()
    total = (times.user + times.system + times.children_user + times.children_system) * 1000
    for pid in list(getattr(pool, "_processes", None) or {}):
        try:
            with open(f"/proc/{pid}/stat", encoding="utf8") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) * TICK_MS
        except (OSError, IndexError, ValueError):
            pass
    return total


def run_batch(args, pool, concurrency):
    """One batch, each task traced: the checksums and the batch's trace (as truepar's core/measure/budget.ts reads one)."""
    task, params = task_and_params(args)
    stolen_before = stolen_ms()
    main_before = thread_times() if pool is None else None
    start = time.time() * 1000
    if pool is None:
        results = [traced(task, *params) for _ in range(args.tasks)]
    else:
        results = list(pool.map(traced, [task] * args.tasks, *[[p] * args.tasks for p in params]))
    end = time.time() * 1000
    main_after = thread_times() if pool is None else None
    stolen_after = stolen_ms()
    trace = {"startMs": start, "endMs": end, "lanes": concurrency, "startupMs": 0, "spans": [span for _, span in results]}
    if stolen_before is not None and stolen_after is not None:
        trace["stolenMs"] = stolen_after - stolen_before
    return [value for value, _ in results], trace


def measure_sample(args, concurrency):
    """A cold batch (a fresh executor, started inside the timing, as the article does), then the same batch again on it."""
    start = time.perf_counter()
    pool = None if args.strategy == "sequential" else EXECUTORS[args.strategy](max_workers=concurrency)
    checksums, cold_trace = run_batch(args, pool, concurrency)
    cold = (time.perf_counter() - start) * 1000
    try:
        cpu_before = tree_cpu_ms(pool)
        start = time.perf_counter()
        again, steady_trace = run_batch(args, pool, concurrency)
        steady = (time.perf_counter() - start) * 1000
        cpu_after = tree_cpu_ms(pool)
    finally:
        if pool is not None:
            pool.shutdown()
    if len(set(checksums + again)) != 1:
        raise RuntimeError(f"tasks returned different checksums: {sorted(set(checksums + again))}")
    return {"total": cold, "steady": steady, "busy": (cpu_after - cpu_before) / steady, "checksum": checksums[0], "traces": {"cold": cold_trace, "steady": steady_trace}}


PARTS = ["startup", "messages", "serial", "imbalance", "work", "runQueue", "stolen", "unexplained"]
MIN_STOLEN_SPAN_MS = 300  # as core/measure/budget.ts: /proc/stat's 10 ms ticks need this much time to be a figure


def lane_time(trace):
    """A batch's lane time by kind, in ms: truepar's measureLaneTime (core/measure/budget.ts) in Python."""
    start, end = trace["startMs"], trace["endMs"]
    clip = lambda t: min(end, max(start, t))  # noqa: E731
    lanes, in_task, cpu, wait = {}, 0.0, 0.0, 0.0
    for span in trace["spans"]:
        ms = clip(span["endMs"]) - clip(span["startMs"])
        in_task += ms
        lane = lanes.setdefault(span["lane"], [0.0, start])
        lane[0] += ms
        lane[1] = max(lane[1], clip(span["endMs"]))
        cpu = None if cpu is None or "cpuMs" not in span else cpu + span["cpuMs"]
        wait = None if wait is None or "waitMs" not in span else wait + span["waitMs"]
    count = max(trace["lanes"], len(lanes))
    ends = [lane[1] for lane in lanes.values()]
    last = max([start, *ends])
    idle = sum(last - e for e in ends) + (count - len(lanes)) * (last - start)
    wall = end - start
    per_task = []
    for lane_id in lanes:
        spans = [x for x in trace["spans"] if x["lane"] == lane_id]
        if spans and all("cpuMs" in x for x in spans):
            per_task.append(sum(x["cpuMs"] for x in spans) / len(spans))
    spread = max(per_task) / min(per_task) if len(per_task) >= 2 and min(per_task) > 0 else None
    return {"lanes": trace["lanes"], "wallMs": wall, "startupMs": 0, "inTaskMs": in_task, "cpuMs": cpu, "waitMs": wait,
            "betweenMs": max(0.0, count * wall - in_task - idle), "idleMs": idle, "stolenMs": trace.get("stolenMs"), "laneSpread": spread}


def measure_budget(level, base, kind, cold, gil):
    """A level's time budget against the smallest: truepar's measureBudget (core/measure/budget.ts) in Python."""
    mean = lambda items, pick: sum(pick(t) for t in items) / len(items)  # noqa: E731

    def part(pick):
        values = [[pick(t) for t in items] for items in (level, base)]
        if any(v is None for vs in values for v in vs):
            return None
        return (sum(values[0]) / len(level) - sum(values[1]) / len(base)) / c

    c, b = mean(level, lambda t: t["lanes"]), mean(base, lambda t: t["lanes"])
    measured, ideal = mean(level, lambda t: t["wallMs"]), mean(base, lambda t: t["wallMs"]) * b / c
    notes = {"startup": "CPython's executor starts its workers inside the batch: start-up is in messages" if cold else "steady: the pool was already running"}
    between, idle = part(lambda t: t["betweenMs"]), part(lambda t: t["idleMs"])
    timed = part(lambda t: t["cpuMs"]) is not None
    span = min(sum(t["wallMs"] for t in level), sum(t["wallMs"] for t in base))
    stolen = part(lambda t: t["stolenMs"]) if timed and span >= MIN_STOLEN_SPAN_MS else None
    if timed and stolen is None:
        notes["stolen"] = f"the batches ({span:.0f} ms in all) are too short for /proc/stat's 10 ms ticks of steal: what was stolen stays in unexplained"
    parts = {
        "startup": None,
        "messages": between if kind == "pool" else None,
        "serial": between if kind == "event-loop" else (between + idle if kind == "sequential" else None),
        "imbalance": None if kind == "sequential" else idle,
        "work": part(lambda t: t["cpuMs"]) if timed else part(lambda t: t["inTaskMs"]),
        "runQueue": part(lambda t: t["waitMs"]) if timed else None,
        "stolen": stolen,
        "unexplained": 0,
    }
    if kind == "pool":
        notes["serial"] = "a pool's main thread only hands out tasks and takes answers: its time is in messages"
    else:
        notes["messages"] = "no messages: the tasks run on the main thread"
    if not timed:
        notes["work"] = "the tasks' threads' clocks were not read here: work is their wall time, waits included"
    loss = measured - ideal
    rest = loss - sum(v for k, v in parts.items() if k != "unexplained" and v is not None)
    if gil and timed:
        # A thread inside a pure-Python loop that is neither on a CPU nor waiting for one is waiting for the GIL.
        parts["serial"] = rest
        notes["serial"] = "CPython's threads: a thread inside a pure-Python task that is neither on a CPU nor waiting for one waits for the GIL"
        rest = 0.0
    parts["unexplained"] = rest
    cpu_there = mean(base, lambda t: t["cpuMs"]) if timed else 0
    return {"idealMs": ideal, "measuredMs": measured, "lossMs": loss, "parts": parts,
            "workRatio": mean(level, lambda t: t["cpuMs"]) / cpu_there if cpu_there else None,
            "taskRatio": mean(level, lambda t: t["inTaskMs"]) / max(mean(base, lambda t: t["inTaskMs"]), 1e-9),
            "laneSpread": None if any(t["laneSpread"] is None for t in level) else mean(level, lambda t: t["laneSpread"]),
            "notes": notes, "batches": len(level), "baseBatches": len(base)}


def measure_ceiling(args, concurrency):
    """c independent processes, each running its share in one call, after an untimed warm-up."""
    with ProcessPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(cpu_share, [args.iterations] * concurrency, [1] * concurrency))
        shares = [((i + 1) * args.tasks) // concurrency - (i * args.tasks) // concurrency for i in range(concurrency)]
        start = time.perf_counter()
        list(pool.map(cpu_share, [args.iterations] * concurrency, shares))
        return (time.perf_counter() - start) * 1000


def median_interval(values):
    """The distribution-free interval of the median (order statistics), as truepar's core computes it."""
    ordered, n = sorted(values), len(values)
    pmf, term = [], 0.5 ** n
    for k in range(n + 1):
        pmf.append(term)
        term = term * (n - k) / (k + 1)
    j, coverage = 0, 1 - 2 * pmf[0]
    while j + 1 < n - 1 - (j + 1):
        nxt = coverage - 2 * pmf[j + 1]
        if nxt < 0.95:
            break
        coverage, j = nxt, j + 1
    return [ordered[j], ordered[n - 1 - j]], (0 if n == 1 else coverage)


def estimate(base, other):
    ratios = [b / o for b, o in zip(base, other)]
    ci, coverage = median_interval(ratios)
    return statistics.median(ratios), ci, coverage


def judge(ci, floor):
    return "speedup" if ci[0] > 1 + floor else "slowdown" if ci[1] < 1 - floor else "none"


def levels(text):
    try:
        values = [int(item) for item in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a comma-separated list of positive integers, received {text!r}")
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"must be a comma-separated list of positive integers, received {text!r}")
    return list(dict.fromkeys(values))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", choices=["cpu", "io-blocking"], default="cpu")
    parser.add_argument("--strategy", choices=[*STRATEGY_NAMES, "workers"], default="threads")
    # What truepar's matrix passes every runtime: CPython runs scaling only, and always prints JSON.
    parser.add_argument("--experiment", choices=["scaling"], default="scaling")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--concurrency", type=levels, default=[1, 2])
    parser.add_argument("--tasks", type=positive, default=24)
    parser.add_argument("--iterations", type=positive, default=1_000_000)
    parser.add_argument("--waits", type=positive, default=20)
    parser.add_argument("--wait-ms", type=float, default=2.0)
    parser.add_argument("--repeat", type=positive, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--max-seconds", type=float, default=0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--ceiling", action="store_true")
    args = parser.parse_args()
    if args.strategy == "workers":
        args.strategy = "threads"  # truepar's name for the column threads fill
    started_at = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    seed = args.seed if args.seed is not None else random.getrandbits(32)
    order_random = random.Random(seed)
    base = min(args.concurrency)
    for _ in range(args.warmup):
        for level in args.concurrency:
            measure_sample(args, level)
    samples = {level: [] for level in args.concurrency}
    control, ceilings = [], {level: [] for level in args.concurrency}
    began, rounds, capped = time.perf_counter(), 0, False
    while True:
        entries = [(level, False) for level in args.concurrency] + [(base, True)]
        order_random.shuffle(entries)
        for level, is_control in entries:
            (control if is_control else samples[level]).append(measure_sample(args, level))
        if args.ceiling and args.workload == "cpu":
            for level in order_random.sample(args.concurrency, len(args.concurrency)):
                ceilings[level].append(measure_ceiling(args, level))
        rounds += 1
        if rounds < args.repeat:
            continue
        precise = all(
            ci[0] >= value * 0.95 and ci[1] <= value * 1.05 and coverage >= 0.95
            for level in args.concurrency if level != base
            for value, ci, coverage in [estimate([s["steady"] for s in samples[base]], [s["steady"] for s in samples[level]])]
        )
        if args.max_seconds <= 0 or precise:
            break
        if time.perf_counter() - began >= args.max_seconds:
            capped = True
            break
    noise_ratios = [b["total"] / c["total"] for b, c in zip(samples[base], control)] + [b["steady"] / c["steady"] for b, c in zip(samples[base], control)]
    noise_ci, noise_coverage = median_interval(noise_ratios)
    floor = max(noise_ci[1] - 1, 1 - noise_ci[0], 0)
    checksums = {s["checksum"] for level in samples.values() for s in level}
    if len(checksums) != 1:
        raise RuntimeError(f"levels returned different checksums: {sorted(checksums)}")
    host = host_info()
    points = []
    for level in args.concurrency:
        own = samples[level]
        total, steady = [s["total"] for s in own], [s["steady"] for s in own]
        cold_est, cold_ci, coverage = estimate([s["total"] for s in samples[base]], total)
        warm_est, warm_ci, _ = estimate([s["steady"] for s in samples[base]], steady)
        busy = [s["busy"] for s in own]
        point = {
            "concurrency": level,
            "samplesMs": total,
            "medianMs": statistics.median(total),
            "speedup": cold_est,
            "speedupCI": cold_ci,
            "speedupCoverage": coverage,
            "evidence": "none" if level == base else judge(cold_ci, floor),
            "checksum": next(iter(checksums)),
            # The executor starts its workers lazily, inside the batch: start-up is not split out.
            "startupSamplesMs": [0] * len(total),
            "startupMedianMs": 0,
            "batchSamplesMs": total,
            "batchMedianMs": statistics.median(total),
            "batchSpeedup": cold_est,
            "steadySamplesMs": steady,
            "steadyMedianMs": statistics.median(steady),
            "steadySpeedup": warm_est,
            "steadySpeedupCI": warm_ci,
            "steadyEvidence": "none" if level == base else judge(warm_ci, floor),
            "coresBusySamples": busy,
            "coresBusy": statistics.median(busy),
        }
        if ceilings[level]:
            value, ci, _ = estimate(ceilings[base], ceilings[level])
            point["ceiling"] = {"samplesMs": ceilings[level], "speedup": value, "speedupCI": ci}
        if level != base:
            kind = {"sequential": "sequential", "threads": "pool", "processes": "pool"}[args.strategy]
            gil = args.strategy == "threads" and args.workload == "cpu"
            baseline = samples[base] + control
            point["budget"] = {
                which: measure_budget([lane_time(s["traces"][which]) for s in own], [lane_time(s["traces"][which]) for s in baseline], kind, which == "cold", gil)
                for which in ("cold", "steady")
            }
            cores = host["cores"]
            # The machine's limit, as core/measure/speedup.ts's speedupLimit: blocking sleeps overlap beyond the cores; cpu work does not.
            limit = 1 if args.strategy == "sequential" else level / base if args.workload != "cpu" else min(level, cores) / min(base, cores)
            # The rounds past it, as truepar's runner names them: what puts an interval's end there.
            beyond = [
                {"round": i, "batch": batch, "ratio": b[key] / s[key], "baseMs": b[key], "controlMs": c[key], "levelMs": s[key]}
                for batch, key in (("cold", "total"), ("steady", "steady"))
                for i, (s, b, c) in enumerate(zip(own, samples[base], control))
                if b[key] / s[key] > limit
            ]
            point["limit"] = {"speedup": limit, **({"roundsBeyond": beyond} if beyond else {})}
        points.append(point)
    params = {"iterations": args.iterations} if args.workload == "cpu" else {"waits": args.waits, "waitMs": args.wait_ms}
    record = {
        "schema": "truepar.run/1",
        "runtime": {"name": "cpython", "version": platform.python_version(), "engine": f"{platform.python_implementation()} bytecode interpreter with the GIL"},
        "host": host,
        "workload": {"name": args.workload, "params": params},
        "strategy": STRATEGY_NAMES[args.strategy],
        "executor": args.strategy,
        "tasks": args.tasks,
        "warmup": args.warmup,
        "repeat": args.repeat,
        "startedAt": started_at,
        "rounds": rounds,
        "seed": seed,
        "capped": capped,
        "method": "median of paired ratios with a distribution-free 95% interval; noise floor from the smallest level measured twice per round",
        "noise": {"ratios": noise_ratios, "ci": noise_ci, "coverage": noise_coverage, "floor": floor},
        "cpuSource": "os.times + /proc",
        "points": points,
    }
    print(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
