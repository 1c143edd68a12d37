/**
 * How to start each registered runtime on a script: in a checkout, the
 * TypeScript script, with the binaries npm put in node_modules/.bin; from
 * the npm package, its compiled JavaScript, with the binaries of the project
 * that installed it or of the PATH.
 *
 * @module
 */

import { existsSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { getRuntime, JS_RUNTIMES } from "../runtimes/registry.ts";

/** This code runs from its TypeScript sources (a checkout), not the package's compiled JavaScript. */
const TYPESCRIPT = import.meta.url.endsWith(".ts");

/** Where npm puts executables: beside these sources, then in the project that runs them. */
const BINS = [
  fileURLToPath(new URL("../node_modules/.bin/", import.meta.url)),
  path.join(process.cwd(), "node_modules", ".bin") + path.sep,
];

/** The JavaScript runtimes the scripts launch, in the order the report lists them. */
export const RUNTIME_NAMES: readonly string[] = JS_RUNTIMES.map((runtime) => runtime.name);

/**
 * The command that runs a script on a runtime (Node through tsx in a checkout).
 *
 * @param runtime A registered runtime's name.
 * @param script The script's path, as in a checkout (`scripts/run.ts`); the `.js` beside it from the package.
 * @returns The executable, then its arguments.
 * @throws {RangeError} For a runtime not registered.
 */
export function scriptCommand(runtime: string, script: string): [string, ...string[]] {
  const entry = getRuntime(runtime);
  // The first node_modules/.bin holding the runtime's executable; else its name alone, for the PATH.
  const launch =
    BINS.map((bin) => entry.launch(bin, TYPESCRIPT)).find(([executable]) =>
      path.isAbsolute(executable!) && existsSync(executable!)
    ) ??
      entry.launch("", TYPESCRIPT);
  return [launch[0]!, ...launch.slice(1), TYPESCRIPT ? script : script.replace(/\.ts$/, ".js")];
}

/**
 * Whether a runtime's executable is here: one npm installed, or one on the PATH.
 *
 * @param runtime A registered runtime's name.
 * @returns Its executable's path when found.
 */
export function findRuntime(runtime: string): string | undefined {
  const [executable] = scriptCommand(runtime, "");
  if (path.isAbsolute(executable)) return existsSync(executable) ? executable : undefined;
  return findOnPath(executable);
}

/**
 * What is missing to run a runtime here, as one line: its executable, or
 * what a runtime driven from Node needs (a browser).
 *
 * @param runtime A registered runtime's name.
 * @returns The line, or `undefined` when it can run.
 */
export function runtimeMissing(runtime: string): string | undefined {
  const entry = getRuntime(runtime);
  if (entry.missing !== undefined) return entry.missing();
  if (findRuntime(runtime) !== undefined) return undefined;
  return `${scriptCommand(runtime, "")[0]} is not on this machine${
    entry.install ? ` (${entry.install} installs it)` : ""
  }`;
}

/**
 * Finds an executable on the PATH.
 *
 * @param name Its name.
 * @returns Its path, when found.
 */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir !== "" && existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}
