/**
 * How to start each runtime on a TypeScript script from this checkout: the
 * binaries come from npm, into node_modules/.bin.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../node_modules/.bin/", import.meta.url));

/** The runtimes the scripts launch, in the order the report lists them. */
export const RUNTIME_NAMES = ["node", "deno", "bun"] as const;

/**
 * The command that runs a TypeScript file on a runtime (Node through tsx).
 *
 * @param runtime `node`, `deno` or `bun`.
 * @param script The script's path.
 * @returns The executable, then its arguments.
 */
export function scriptCommand(runtime: string, script: string): [string, ...string[]] {
  switch (runtime) {
    case "node":
      return ["node", "--import", "tsx", script];
    case "deno":
      return [BIN + "deno", "run", "-A", script];
    case "bun":
      return [BIN + "bun", script];
    default:
      throw new RangeError(`Cannot launch runtime: expected one of ${RUNTIME_NAMES.join(", ")}, received "${runtime}"`);
  }
}
