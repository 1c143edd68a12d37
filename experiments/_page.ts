/**
 * The page a driven browser runs experiments on (`runtimes/chromium.ts`
 * opens it): the adapter of the browser, and the experiments, run on the
 * page's main thread as they run on another runtime's. It sits above the
 * experiments it runs, as every driver does. Workers are Web Workers on the
 * web-worker entry; a browser has no child processes. What only the driver
 * can read (CPU time and memory from /proc, the machine) comes through the
 * functions it exposes to the page.
 *
 * @module
 */

import type { CpuReading, HostInfo, RuntimeAdapter, RuntimeInfo } from "../core/adapter.ts";
import type { MemoryReading } from "../core/measure/memory.ts";
import { EXPERIMENTS } from "./registry.ts";
import { UsageError } from "./_flags.ts";
import { spawnWebWorker } from "../runtimes/_web_worker.ts";
import { mapJson } from "../core/_json.ts";

/** What the driver tells the page before the first run. */
interface Setup {
  runtime: RuntimeInfo;
  host: HostInfo;
  /** The renderer process the page and its workers run in. */
  pid?: number;
}

/** The functions the driver exposes to the page. */
const driver = globalThis as unknown as {
  __trueparProgress(done: number, total: number, what: string): Promise<void>;
  __trueparPartial(record: unknown): Promise<void>;
  __trueparCpu(edge: "start" | "end"): Promise<CpuReading>;
  __trueparMemory(pids: readonly number[]): Promise<MemoryReading | null>;
};

let adapter: RuntimeAdapter | undefined;
let interrupt = new AbortController();

/**
 * The adapter of the browser running this page.
 *
 * @param setup The runtime, the machine and the renderer, as the driver found them.
 * @returns The adapter.
 */
function createPageAdapter({ runtime, host, pid }: Setup): RuntimeAdapter {
  return {
    runtime,
    pid,
    kinds: ["worker"],
    // A file on the machine is loaded from the page's server, which bundles it for the browser on request; where that
    // fails (a syntax error), the server's answer says where, which a failed import() would not.
    prepare: async (module) => {
      // The page's own address holds the server's token: a file's is beside it.
      const url = module.protocol === "file:" ? new URL(`@fs${module.pathname}`, location.href).href : module.href;
      const response = await fetch(url);
      if (!response.ok) throw new Error(await response.text());
      return url;
    },
    spawn: (kind, handlers) => {
      if (kind !== "worker") throw new Error(`Cannot start a child process in ${runtime.name}: a browser has none`);
      // A browser sends no event when a worker ends: an error ends it at once.
      return spawnWebWorker(handlers, { reportsClose: false });
    },
    hostInfo: () => host,
    readCpu: (edge) => driver.__trueparCpu(edge),
    readMemory: (pids) => driver.__trueparMemory(pids),
  };
}

/** Calls `report` at most every 100 ms, and always for the last step. */
function throttle(
  report: (done: number, total: number, what: string) => void,
): (done: number, total: number, what: string) => void {
  let last = -Infinity;
  return (done, total, what) => {
    const now = performance.now();
    if (now - last < 100 && done < total) return;
    last = now;
    report(done, total, what);
  };
}

/** Arguments from the driver: `{ $url }` back to a URL. */
function decode(value: unknown): unknown {
  return mapJson(
    value,
    (v) => v !== null && typeof v === "object" && "$url" in v ? new URL((v as { $url: string }).$url) : undefined,
  );
}

/** Runs one step of the driver's, answering with its value or what went wrong. */
async function answer(
  step: (experiment: (typeof EXPERIMENTS)[number], args: unknown, adapter: RuntimeAdapter) => Promise<unknown>,
  name: string,
  args: unknown,
) {
  const experiment = EXPERIMENTS.find((e) => e.name === name);
  if (adapter === undefined || experiment === undefined) {
    return {
      ok: false,
      error: `Cannot run ${name}: ${adapter === undefined ? "the page is not set up" : "no such experiment"}`,
    };
  }
  return await settle(() => step(experiment, decode(args), adapter!));
}

/** A step's value, or what went wrong, as the driver reads them. */
async function settle(step: () => Promise<unknown>) {
  try {
    return { ok: true, record: await step() };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return error instanceof UsageError ? { ok: false, usage: message, error: message } : { ok: false, error: message };
  }
}

(globalThis as unknown as { truepar: unknown }).truepar = {
  setup(setup: Setup) {
    adapter = createPageAdapter(setup);
  },
  check: (name: string, args: unknown) =>
    answer(async (experiment, args, adapter) => await experiment.check?.(args, adapter), name, args),
  run: (name: string, args: unknown, progress: boolean) => {
    interrupt = new AbortController();
    return answer(
      (experiment, args, adapter) =>
        experiment.run(args, {
          adapter,
          signal: interrupt.signal,
          // Each report is a call out of the browser, which costs the workers cpu (−15% of their speedup at 2 on 2 cores, one
          // call per task): only where someone reads them (a terminal), at most ten a second.
          onProgress: progress
            ? throttle((done, total, what) => void driver.__trueparProgress(done, total, what))
            : undefined,
          onPartial: (record) => void driver.__trueparPartial(record),
        }),
      name,
      args,
    );
  },
  call(name: string, given: unknown) {
    const { module, args } = decode(given) as { module: URL; args: unknown[] };
    return settle(async () => {
      if (adapter === undefined) throw new Error("Cannot call: the page is not set up");
      const exported = (await import(await adapter.prepare(module)))[name];
      if (typeof exported !== "function") {
        throw new TypeError(`Cannot call: ${module.pathname} exports no function "${name}"`);
      }
      return await exported(adapter, ...args);
    });
  },
  abort() {
    interrupt.abort(new Error("interrupted"));
  },
};
