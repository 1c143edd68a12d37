/**
 * Where truepar caches what it builds (Node bundles, the native kernels).
 *
 * @module
 */

import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The cache folder: in the node_modules truepar's dependencies are in (its
 * checkout's, or the project's that installed it), so bundles resolve them;
 * the temp folder when there is none.
 *
 * @returns An absolute path; it may not exist yet.
 */
export function cacheDir(): string {
  const here = fileURLToPath(import.meta.url);
  const installed = here.lastIndexOf(`${path.sep}node_modules${path.sep}`);
  const modules = installed === -1
    ? fileURLToPath(new URL("../node_modules/", import.meta.url))
    : here.slice(0, installed + "/node_modules".length);
  return existsSync(modules) ? path.join(modules, ".cache", "truepar") : path.join(os.tmpdir(), "truepar-cache");
}
