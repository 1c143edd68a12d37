/**
 * Checks a task module before any worker tries to load it, with `node:fs`,
 * which Node, Deno and Bun all provide: a missing file is one clear line,
 * not a worker that fails to start.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * Fails when a `file:` task module does not exist.
 *
 * @param module The task module's URL.
 * @returns `module`, when it exists or is not a file.
 * @throws {Error} `Cannot load task module: no file at …`.
 */
export function checkTaskModule(module: URL): URL {
  if (module.protocol === "file:" && !existsSync(fileURLToPath(module))) {
    throw new Error(`Cannot load task module: no file at ${fileURLToPath(module)}`);
  }
  return module;
}

/**
 * `prepare` for a runtime that loads TypeScript itself (Deno, Bun): the
 * module as it is, once it is known to exist.
 *
 * @param module The task module's URL.
 * @returns Its URL, as the specifier workers import.
 */
export function prepareInPlace(module: URL): Promise<string> {
  try {
    return Promise.resolve(checkTaskModule(module).href);
  } catch (error) {
    return Promise.reject(error);
  }
}
