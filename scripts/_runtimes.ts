/**
 * How to start each registered runtime on a script of this checkout: the
 * binaries come from npm, into node_modules/.bin.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { getRuntime, JS_RUNTIMES } from "../runtimes/registry.ts";

const BIN = fileURLToPath(new URL("../node_modules/.bin/", import.meta.url));

/** The JavaScript runtimes the scripts launch, in the order the report lists them. */
export const RUNTIME_NAMES: readonly string[] = JS_RUNTIMES.map((runtime) => runtime.name);

/**
 * The command that runs a script on a runtime (Node through tsx).
 *
 * @param runtime A registered runtime's name.
 * @param script The script's path.
 * @returns The executable, then its arguments.
 * @throws {RangeError} For a runtime not registered.
 */
export function scriptCommand(runtime: string, script: string): [string, ...string[]] {
  const [executable, ...args] = getRuntime(runtime).launch(BIN);
  return [executable!, ...args, script];
}
