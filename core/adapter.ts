/**
 * The interface between truepar's runtime-agnostic core and one JavaScript
 * runtime: everything that differs between Node, Deno and Bun is a member here.
 *
 * @module
 */

import type { ExitInfo } from "./pool/errors.ts";
import type { MemoryReading } from "./measure/memory.ts";
import type { FromWorker, ToWorker } from "./pool/protocol.ts";

/** Where a task runs: a thread of this process, or a child process of the same runtime. */
export type WorkerKind = "worker" | "process";

/** A runtime's name and version, as every record carries them. */
export interface RuntimeInfo {
  /** `node`, `deno`, `bun`, or an added runtime's name. */
  name: string;
  /** The runtime's own version, such as `2.9.6`. */
  version: string;
  /** The JavaScript engine and its version, such as `v8 12.4.254.21`. */
  engine: string;
}

/** The machine a record was measured on. */
export interface HostInfo {
  cpuModel: string;
  /** Logical cores this process may use. */
  cores: number;
  /** Total memory in bytes. */
  memoryBytes: number;
  os: string;
  arch: string;
  /** What the cores are, read from the machine; absent where it cannot tell (not Linux). */
  topology?: CpuTopology;
}

/** The logical CPUs a process may use, as the machine describes them. */
export interface CpuTopology {
  /** The logical CPUs, by number. */
  cpus: number[];
  /** The physical cores they belong to. */
  physicalCores: number;
  /** Logical CPUs that are SMT siblings of one physical core, a group each; empty when no two share a core. */
  smtSiblings: number[][];
  /** A hypervisor runs this machine (the cpu's `hypervisor` flag): its vCPUs may be taken away. */
  virtualized: boolean;
  /** The share of these CPUs' time the hypervisor took since boot (`/proc/stat`'s steal), 0–1; `null` where not counted. */
  stolenSinceBoot: number | null;
}

/** One thread's own clocks so far: time on a CPU, and time it waited runnable for one (a run queue). */
export interface ThreadTimes {
  cpuMs: number;
  waitMs: number;
}

/** CPU time the hypervisor took from the CPUs this process may use, so far. */
export interface StolenReading {
  /** Milliseconds of CPU, summed over those CPUs. */
  ms: number;
  /** The reading's step: `/proc/stat` counts it in 10 ms ticks. */
  resolutionMs: number;
}

/** CPU time used so far, and how it was read. */
export interface CpuReading {
  /** Milliseconds of CPU, user and system, summed over threads and processes. */
  ms: number;
  /** Where it came from, and what it leaves out. */
  source: string;
  /**
   * The reading's step in ms, where it is coarse (`/proc`'s clock ticks, 10
   * ms): a span shorter than 3 steps gives no figure for cores busy.
   */
  resolutionMs?: number;
}

/**
 * Limits on a worker's JavaScript engine, as `node:worker_threads` takes them:
 * a worker that passes one ends with an error, and the task it ran fails
 * with `WorkerCrashedError`.
 */
export interface ResourceLimits {
  /** The main heap's most, MB. */
  maxOldGenerationSizeMb?: number;
  /** The heap for new objects' most, MB. */
  maxYoungGenerationSizeMb?: number;
  /** The space for generated code, MB. */
  codeRangeSizeMb?: number;
  /** The thread's stack, MB. */
  stackSizeMb?: number;
}

/** How to start one worker. */
export interface SpawnOptions {
  /** Limits to start it with: only those the adapter lists in its `resourceLimits`. */
  resourceLimits?: ResourceLimits;
}

/** What a started worker reports to its owner. */
export interface EndpointHandlers {
  /** Each protocol message the worker sends. */
  onMessage(message: FromWorker): void;
  /** Called once when the worker is gone, unless `terminate()` ended it. */
  onExit(exit: ExitInfo): void;
}

/** A started worker thread or child process, in one shape for every runtime. */
export interface Endpoint {
  /** The child's process id; `undefined` for a worker thread. */
  readonly pid?: number;
  /**
   * Sends one protocol message.
   *
   * @param message The message.
   * @param transfer Objects to transfer rather than copy (worker threads only; children ignore it).
   */
  send(message: ToWorker, transfer?: Transferable[]): void;
  /**
   * Ends the worker; settles once it is gone, or, where the runtime cannot
   * stop a thread busy in JavaScript (Deno's workers), once it has been told
   * to stop and will send nothing more: such a thread runs on until its task
   * returns, and the process cannot exit before then.
   */
  terminate(): Promise<void>;
}

/** What `core/` is handed to run work on one runtime. */
export interface RuntimeAdapter {
  /** The runtime this adapter drives. */
  readonly runtime: RuntimeInfo;
  /**
   * The kinds of worker it can start, where not both: a browser has worker
   * threads (Web Workers) and no child processes.
   */
  readonly kinds?: readonly WorkerKind[];
  /**
   * The process this code runs in, for reading its memory from outside
   * (a browser's page: its renderer, where its workers run as threads).
   * Leave it out where it cannot be known.
   */
  readonly pid?: number;
  /**
   * Makes a task module loadable by this runtime's workers (Node bundles
   * TypeScript to plain JavaScript, so workers run without a loader).
   *
   * @param module The task module's URL.
   * @returns The specifier a worker should import.
   */
  prepare(module: URL): Promise<string>;
  /**
   * Starts one worker or child process running the adapter's entry script.
   *
   * @param kind `"worker"` for a thread, `"process"` for a child of the same runtime.
   * @param handlers Receive its messages and its exit.
   * @param options Resource limits, among those it lists.
   * @returns The running worker.
   */
  spawn(kind: WorkerKind, handlers: EndpointHandlers, options?: SpawnOptions): Endpoint;
  /**
   * The resource limits this runtime applies, by kind of worker; a pool
   * asked for one not listed refuses to start rather than run without it.
   * Leave it out where there are none.
   */
  readonly resourceLimits?: Partial<Record<WorkerKind, readonly (keyof ResourceLimits)[]>>;
  /**
   * `false` where `terminate()` cannot stop a worker thread busy in
   * JavaScript (Deno's): the thread runs on, a core busy, until its task
   * returns. The pool counts such threads and says so. Default true.
   */
  readonly stopsBusyThreads?: boolean;
  /** Describes the machine. */
  hostInfo(): HostInfo;
  /**
   * Reads the CPU time used so far by this process, its threads and every
   * process below it, reaped ones included: cores busy is its growth over
   * a span divided by the span's wall time. Leave it out where the runtime
   * cannot tell; records then carry `null`.
   *
   * @param edge Whether a span starts or ends at this reading, so the cost of reading stays outside it.
   */
  readCpu?(edge: "start" | "end"): Promise<CpuReading>;
  /**
   * Reads this thread's own clocks (on a CPU, waiting for one), cheaply
   * enough to call around every task: how a time budget tells a task's own
   * work from the time the machine kept it waiting. Leave it out where the
   * runtime cannot tell; budgets then say so.
   */
  readThreadTimes?(): ThreadTimes;
  /**
   * Reads the CPU time the hypervisor has taken from this process's CPUs so
   * far (steal). Leave it out where it is not counted.
   */
  readStolen?(): Promise<StolenReading>;
  /**
   * Reads the summed memory of processes from outside them.
   *
   * @param pids The processes, this one or others.
   * @returns RSS and PSS, or `null` where the platform offers no way to read the memory of another process from outside.
   */
  readMemory(pids: readonly number[]): Promise<MemoryReading | null>;
  /**
   * Calls `callback` on the event loop's next turn without letting the loop
   * sleep in between: the pool's latency mode (`spinMicros`) keeps its thread
   * awake with it while answers are due. Leave it out where no such call
   * helps: the pool then lets its thread sleep.
   */
  nextTurn?(callback: () => void): void;
}

/**
 * Whether a runtime can start this kind of worker: both, unless its adapter
 * lists fewer (a browser has no child processes).
 *
 * @param adapter The runtime's adapter.
 * @param kind Worker threads or child processes.
 * @returns Whether `spawn(kind)` is there.
 */
export function startsKind(adapter: RuntimeAdapter, kind: WorkerKind): boolean {
  return adapter.kinds?.includes(kind) ?? true;
}
