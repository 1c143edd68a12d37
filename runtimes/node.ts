/**
 * The Node.js adapter: worker_threads for workers, child_process for children.
 * Workers and children run plain JavaScript bundled by esbuild, so the figures
 * measure Node, not a TypeScript loader.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Transferable as NodeTransferable, Worker } from "node:worker_threads";
import type {
  Endpoint,
  EndpointHandlers,
  ResourceLimits,
  RuntimeAdapter,
  SpawnOptions,
  WorkerKind,
} from "../core/adapter.ts";
import type { ExitInfo } from "../core/pool/errors.ts";
import type { FromWorker } from "../core/pool/protocol.ts";
import { encodeFrame, FrameDecoder } from "./_frames.ts";
import { readHostInfo } from "./_host.ts";
import { readProcMemory } from "./_memory.ts";
import { readTreeCpu, stolenReader } from "./_cpu.ts";
import { openThreadClock } from "./_thread_clock.ts";
import { checkTaskModule } from "./_module.ts";
import { buildError, importMetaUrlPlugin } from "./_bundle.ts";
import { endWithGrace, killIfDeaf, STDOUT_CLOSED } from "./_grace.ts";
import { cacheDir } from "./_cache.ts";

const WORKER_ENTRY = new URL("./entries/worker_threads.ts", import.meta.url);
const STDIO_ENTRY = new URL("./entries/stdio.ts", import.meta.url);

/**
 * Creates the adapter for the Node.js this code runs on.
 *
 * @returns The adapter; its entry script is bundled on first use.
 * @example
 * ```ts ignore
 * // Runs on Node only: the doc tests run on Deno.
 * import { createNodeAdapter } from "./node.ts";
 * console.log((await createNodeAdapter()).runtime.version);
 * ```
 */
export function createNodeAdapter(): Promise<RuntimeAdapter> {
  return Promise.resolve(new NodeAdapter());
}

class NodeAdapter implements RuntimeAdapter {
  readonly runtime = {
    name: "node",
    version: process.versions.node,
    engine: `v8 ${process.versions.v8}`,
  };
  #entries?: { worker: string; process: string };
  readonly resourceLimits = {
    worker: ["maxOldGenerationSizeMb", "maxYoungGenerationSizeMb", "codeRangeSizeMb", "stackSizeMb"],
    process: ["maxOldGenerationSizeMb"],
  } as const;

  async prepare(module: URL): Promise<string> {
    this.#entries ??= {
      worker: fileURLToPath(await bundle(WORKER_ENTRY)),
      process: fileURLToPath(await bundle(STDIO_ENTRY)),
    };
    return (await bundle(module)).href;
  }

  spawn(kind: WorkerKind, handlers: EndpointHandlers, options: SpawnOptions = {}): Endpoint {
    if (this.#entries === undefined) {
      throw new Error("Cannot spawn: call prepare() before spawn() so the entries are bundled");
    }
    return kind === "worker"
      ? spawnWorker(this.#entries.worker, handlers, options.resourceLimits)
      : spawnChild(this.#entries.process, handlers, options.resourceLimits);
  }

  hostInfo = readHostInfo;
  readMemory = readProcMemory;
  readCpu = readTreeCpu;
  readThreadTimes = openThreadClock();
  readStolen = stolenReader();
  nextTurn = setImmediate;
}

function spawnWorker(entry: string, handlers: EndpointHandlers, resourceLimits?: ResourceLimits): Endpoint {
  // Its own execArgv: a worker must not inherit a loader such as tsx from its parent.
  const worker = new Worker(entry, { execArgv: ["--enable-source-maps"], resourceLimits });
  let ended = false;
  let error: Error | undefined;
  worker.on("message", (message: FromWorker) => handlers.onMessage(message));
  worker.on("error", (cause: Error) => (error = cause));
  worker.on("exit", (code) => {
    if (ended) return;
    ended = true;
    handlers.onExit({ code: error === undefined ? code : null, signal: null, error });
  });
  return {
    // Web and worker_threads transferables are the same objects at run time.
    send: (message, transfer = []) => worker.postMessage(message, transfer as unknown as NodeTransferable[]),
    terminate: async () => {
      ended = true;
      await worker.terminate();
    },
  };
}

function spawnChild(entry: string, handlers: EndpointHandlers, limits?: ResourceLimits): Endpoint {
  const heap = limits?.maxOldGenerationSizeMb === undefined
    ? []
    : [`--max-old-space-size=${limits.maxOldGenerationSizeMb}`];
  const child = spawn(process.execPath, [...heap, "--enable-source-maps", entry], {
    stdio: ["pipe", "pipe", "inherit"],
    env: childEnv(),
  });
  let terminating = false;
  let deaf = false;
  const closed = new Promise<ExitInfo>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, error: deaf ? new Error(STDOUT_CLOSED) : undefined }));
    child.on("error", (error) => resolve({ code: null, signal: null, error }));
  });
  // A child that closes its stdout can never answer again: unless it exits by itself, end it.
  child.stdout!.on(
    "end",
    () =>
      killIfDeaf(() => terminating || child.exitCode !== null || child.signalCode !== null, () => {
        deaf = true;
        child.kill("SIGKILL");
      }),
  );
  closed.then((exit) => terminating || handlers.onExit(exit));
  const decoder = new FrameDecoder(
    (message) => handlers.onMessage(message as FromWorker),
    (line) => process.stderr.write(line + "\n"),
  );
  child.stdout!.on("data", (chunk: Uint8Array) => decoder.push(chunk));
  child.stdin!.on("error", () => {}); // a dead child's EPIPE: its exit reports it
  return {
    pid: child.pid,
    send: (message) => void child.stdin!.write(encodeFrame(message)),
    terminate: () => {
      terminating = true;
      const gone = child.exitCode !== null || child.signalCode !== null;
      return endWithGrace((signal) => gone || child.kill(signal), closed);
    },
  };
}

/** The environment minus any loader the parent was started with (tsx puts none there, others do). */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

const bundles = new Map<string, Promise<URL>>();

/**
 * Bundles a TypeScript module to one plain JavaScript file, cached: a bundle
 * whose inputs are unchanged is reused without loading esbuild at all.
 * JavaScript modules are used as they are.
 */
function bundle(module: URL): Promise<URL> {
  if (module.protocol !== "file:" || /\.[cm]?js$/.test(module.pathname)) {
    return Promise.resolve(module);
  }
  let bundled = bundles.get(module.href);
  if (bundled === undefined) {
    bundled = reuseBundle(module).then((url) => url ?? buildBundle(module));
    bundles.set(module.href, bundled);
  }
  return bundled;
}

interface Manifest {
  output: string;
  /** Every input file and its modification time when the bundle was built. */
  inputs: Record<string, number>;
}

function manifestPath(module: URL): string {
  const key = createHash("sha256").update(module.href).digest("hex").slice(0, 16);
  return path.join(cacheDir(), `${path.basename(fileURLToPath(module), ".ts")}-${key}.json`);
}

async function reuseBundle(module: URL): Promise<URL | undefined> {
  try {
    const manifest = JSON.parse(await readFile(manifestPath(module), "utf8")) as Manifest;
    const fresh = await Promise.all(
      Object.entries(manifest.inputs).map(async ([file, mtime]) => (await stat(file)).mtimeMs === mtime),
    );
    if (!existsSync(manifest.output) || fresh.includes(false)) return undefined;
    return pathToFileURL(manifest.output);
  } catch {
    return undefined;
  }
}

/** truepar's own files: bundled without source maps, so its figures carry no map to parse. */
const ROOT = fileURLToPath(new URL("../", import.meta.url));

async function buildBundle(module: URL): Promise<URL> {
  const source = fileURLToPath(checkTaskModule(module));
  const esbuild = await import("esbuild");
  let result: Awaited<ReturnType<typeof esbuild.build>> & {
    outputFiles: { contents: Uint8Array }[];
    metafile: { inputs: Record<string, unknown> };
  };
  try {
    result = await esbuild.build({
      entryPoints: [source],
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      packages: "external",
      write: false,
      // Where the bundle will live, so the source map's paths lead back to the sources from there.
      outdir: cacheDir(),
      metafile: true,
      logLevel: "silent",
      // A user's module keeps a map to its own lines, so the stack of an error it throws points at them.
      sourcemap: source.startsWith(ROOT) ? false : "inline",
      plugins: [importMetaUrlPlugin((file) => pathToFileURL(file).href)],
    }) as typeof result;
  } catch (error) {
    throw buildError(`Cannot load task module ${source}`, error);
  }
  const code = result.outputFiles[0]!.contents;
  const hash = createHash("sha256").update(code).digest("hex").slice(0, 16);
  const dir = cacheDir();
  const file = path.join(dir, `${path.basename(fileURLToPath(module), ".ts")}-${hash}.mjs`);
  await mkdir(dir, { recursive: true });
  if (!existsSync(file)) await writeAtomically(file, code);
  const inputs: Record<string, number> = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const absolute = path.resolve(input);
    inputs[absolute] = (await stat(absolute)).mtimeMs;
  }
  await writeAtomically(manifestPath(module), JSON.stringify({ output: file, inputs } satisfies Manifest));
  return pathToFileURL(file);
}

async function writeAtomically(file: string, contents: string | Uint8Array): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, contents);
  await rename(temporary, file);
}
