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
 * The cache folder: beside the package's node_modules, so bundles resolve its
 * dependencies; the temp folder when there is none.
 *
 * @returns An absolute path; it may not exist yet.
 */
export function cacheDir(): string {
  const modules = fileURLToPath(new URL("../node_modules/", import.meta.url));
  return existsSync(modules) ? path.join(modules, ".cache", "truepar") : path.join(os.tmpdir(), "truepar-cache");
}
