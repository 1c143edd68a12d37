/**
 * Chromium as a runtime: the browser from the system (Debian's `chromium`),
 * driven from Node with playwright-core. The experiment runs in a page,
 * served cross-origin isolated from 127.0.0.1 (`_browser_server.ts`), on the
 * page's main thread; workers are Web Workers; there are no child processes.
 * CPU time is read from the browser's process tree in /proc, and memory from
 * the page's renderer process, where its workers run as threads.
 *
 * @module
 */

import { readdir, readFile } from "node:fs/promises";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { HostInfo, RuntimeInfo } from "../core/adapter.ts";
import type { DriveContext, RuntimeDriver } from "./driver.ts";
import { mapJson } from "../core/_json.ts";
import { readTreeCpu } from "./_cpu.ts";
import { readHostInfo } from "./_host.ts";
import { readProcMemory } from "./_memory.ts";
import { type BrowserServer, startBrowserServer } from "./_browser_server.ts";
import { chromiumMissing, findChromium } from "./_chromium_find.ts";

/** Where truepar's files are: the server serves them. */
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const PAGE_ENTRY = fileURLToPath(new URL("../experiments/_page.ts", import.meta.url));

/** The page's own bindings, called from the page. */
interface Bindings {
  progress(done: number, total: number, what: string): void;
  partial(record: unknown): void;
  cpu(edge: "start" | "end"): Promise<unknown>;
  memory(pids: number[]): Promise<unknown>;
}

/** What the page's entry answers. */
type PageAnswer = { ok: true; record: unknown } | { ok: false; usage?: string; error: string };

/**
 * Starts Chromium on a page of truepar's, ready to run experiments.
 *
 * @param options `modules`: task modules beyond truepar's own the page may load (a `--task` module); `call()` adds the module it is given.
 * @returns The driver; `close()` ends the browser and the server.
 * @throws {Error} When the browser, playwright-core or esbuild is missing, naming how to get it.
 */
export async function createChromiumDriver(options: { modules?: readonly string[] } = {}): Promise<RuntimeDriver> {
  const executable = findChromium();
  if (executable === undefined) throw new Error(`Cannot start chromium: ${chromiumMissing()}`);
  const playwright = await import("playwright-core").catch(() => {
    throw new Error(
      "Cannot start chromium: it is driven with playwright-core, which is not installed (npm install playwright-core)",
    );
  });
  await import("esbuild").catch(() => {
    throw new Error(
      "Cannot start chromium: its page is bundled with esbuild, which is not installed (npm install esbuild)",
    );
  });
  const server = await startBrowserServer({
    own: ROOT,
    modules: options.modules,
    page: (home) => page(home, PAGE_ENTRY),
  });
  let browser: Awaited<ReturnType<typeof playwright.chromium.launch>>;
  try {
    browser = await playwright.chromium.launch({
      executablePath: executable,
      // As root (a container, CI), Chromium starts only without its sandbox.
      args: [...(process.getuid?.() === 0 ? ["--no-sandbox"] : []), "--renderer-process-limit=1"],
      // Ctrl-C is this process's to handle: it stops the run, prints what finished, then ends the browser.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (error) {
    await server.close();
    throw new Error(`Cannot start chromium (${executable}): ${(error as Error).message.split("\n")[0]}`, {
      cause: error,
    });
  }
  try {
    const cdp = await browser.newBrowserCDPSession();
    const { jsVersion } = await cdp.send("Browser.getVersion");
    const runtime: RuntimeInfo = { name: "chromium", version: browser.version(), engine: `v8 ${jsVersion}` };
    const context = await browser.newContext();
    const tab = await context.newPage();
    let bindings: Partial<Bindings> = {};
    await tab.exposeFunction(
      "__trueparProgress",
      (done: number, total: number, what: string) => bindings.progress?.(done, total, what),
    );
    await tab.exposeFunction("__trueparPartial", (record: unknown) => bindings.partial?.(toFiles(server, record)));
    await tab.exposeFunction("__trueparCpu", async (edge: "start" | "end") => {
      const reading = await readTreeCpu(edge);
      return { ...reading, source: "the browser's process tree and its driver (/proc)" };
    });
    // Workers run as threads of the page's renderer: its memory is theirs.
    await tab.exposeFunction("__trueparMemory", (pids: number[]) => readProcMemory(pids));
    const errors: string[] = [];
    tab.on("pageerror", (error) => errors.push(error.message));
    await tab.goto(server.home);
    const ready = await tab.waitForFunction(
      () => (globalThis as { truepar?: unknown }).truepar !== undefined,
      undefined,
      { timeout: 60_000 },
    )
      .then(() => true, () => false);
    if (!ready) {
      throw new Error(`Cannot start chromium: its page did not load${errors.length > 0 ? `: ${errors[0]}` : ""}`);
    }
    const host: HostInfo = readHostInfo();
    const pid = await rendererPid(cdp, tab);
    await tab.evaluate(
      (setup) => (globalThis as unknown as { truepar: { setup(s: unknown): void } }).truepar.setup(setup),
      { runtime, host, pid },
    );

    const call = async (
      method: "run" | "check" | "call",
      name: string,
      args: unknown,
      context?: DriveContext,
    ): Promise<unknown> => {
      bindings = { progress: context?.onProgress, partial: context?.onPartial };
      const stop = () =>
        void tab.evaluate(() => (globalThis as unknown as { truepar: { abort(): void } }).truepar.abort()).catch(
          () => {},
        );
      context?.signal.addEventListener("abort", stop, { once: true });
      try {
        const answer = await tab.evaluate(
          ([method, name, args, progress]) =>
            (globalThis as unknown as {
              truepar: Record<string, (n: string, a: unknown, p: boolean) => Promise<unknown>>;
            }).truepar[method]!(name, args, progress),
          [method, name, encode(server, args), context?.onProgress !== undefined] as const,
        ) as PageAnswer;
        if (answer.ok) return toFiles(server, answer.record);
        throw answer.usage === undefined
          ? new Error(answer.error)
          : Object.assign(new Error(answer.usage), { usage: true });
      } catch (error) {
        if (context?.signal.aborted) throw context.signal.reason;
        throw error;
      } finally {
        context?.signal.removeEventListener("abort", stop);
        bindings = {};
      }
    };
    return {
      runtime,
      host,
      check: async (name, args) => void await call("check", name, args),
      run: (name, args, context) => call("run", name, args, context),
      call: (module, name, args = []) => {
        if (module.protocol === "file:") server.allow(fileURLToPath(module));
        return call("call", name, { module, args });
      },
      close: async () => {
        await browser.close().catch(() => {});
        await server.close();
      },
    };
  } catch (error) {
    await browser.close().catch(() => {});
    await server.close();
    throw error;
  }
}

/** The HTML of the page: its entry, bundled by the server. */
function page(home: string, entry: string): string {
  return `<!doctype html><meta charset="utf-8"><title>truepar</title><script type="module" src="${home}@fs${
    pathToFileURL(entry).pathname
  }"></script>`;
}

/**
 * The page's renderer process. Chromium may run more than one renderer even
 * with `--renderer-process-limit=1` (156 adds one for its own WebUI, marked
 * only on its command line): the page's is the one that gains a
 * `DedicatedWorker` thread when the page starts a worker.
 */
async function rendererPid(
  cdp: { send(method: "SystemInfo.getProcessInfo"): Promise<{ processInfo: { type: string; id: number }[] }> },
  tab: { evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> },
): Promise<number | undefined> {
  const { processInfo } = await cdp.send("SystemInfo.getProcessInfo");
  const renderers = processInfo.filter((p) => p.type === "renderer").map((p) => p.id);
  if (renderers.length <= 1) return renderers[0];
  const before = await Promise.all(renderers.map(workerThreads));
  await tab.evaluate((source) => {
    const worker = new Worker(URL.createObjectURL(new Blob([source], { type: "text/javascript" })));
    (globalThis as { __trueparProbe?: Worker }).__trueparProbe = worker;
    return new Promise((resolve) => (worker.onmessage = resolve)).then(() => undefined);
  }, "postMessage(0)");
  const after = await Promise.all(renderers.map(workerThreads));
  await tab.evaluate(() => (globalThis as { __trueparProbe?: Worker }).__trueparProbe?.terminate(), undefined);
  const grew = renderers.filter((_, i) => after[i]! > before[i]!);
  return grew.length === 1 ? grew[0] : undefined;
}

/** How many threads of a process are a worker's (`DedicatedWorker`, as Chromium names them in /proc). */
async function workerThreads(pid: number): Promise<number> {
  try {
    const threads = await readdir(`/proc/${pid}/task`);
    const names = await Promise.all(
      threads.map((tid) => readFile(`/proc/${pid}/task/${tid}/comm`, "utf8").catch(() => "")),
    );
    return names.filter((name) => name.startsWith("DedicatedWorker")).length;
  } catch {
    return 0;
  }
}

/** Arguments for the page: a URL as `{ $url }`, a file's as the server's address of it. */
function encode(server: BrowserServer, value: unknown): unknown {
  return mapJson(
    value,
    (v) => v instanceof URL ? { $url: v.protocol === "file:" ? server.urlOf(fileURLToPath(v)) : v.href } : undefined,
  );
}

/** A record from the page: the server's addresses of files back to file URLs, as the other runtimes write them. */
function toFiles(server: BrowserServer, value: unknown): unknown {
  return mapJson(value, (v) => {
    const file = typeof v === "string" && v.startsWith(server.origin) ? server.fileOf(v) : undefined;
    return file === undefined ? undefined : pathToFileURL(file).href;
  });
}
