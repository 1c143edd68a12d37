/**
 * Where Chromium is on this machine, without loading anything to drive it:
 * the registry asks before a comparison plans its row.
 *
 * @module
 */

import { existsSync } from "node:fs";
import path from "node:path";
import process from "node:process";

/** The executables tried on the PATH, after `$TRUEPAR_CHROMIUM`. */
const NAMES = ["chromium", "chromium-browser", "google-chrome-stable", "google-chrome"];

/** What to do where there is no browser. */
export const CHROMIUM_INSTALL =
  "apt-get install chromium (Debian, Ubuntu), or set TRUEPAR_CHROMIUM to a Chromium or Chrome executable";

/**
 * Finds the browser: `$TRUEPAR_CHROMIUM`, else the first of chromium,
 * chromium-browser, google-chrome on the PATH.
 *
 * @returns Its path, when found.
 */
export function findChromium(): string | undefined {
  const given = process.env.TRUEPAR_CHROMIUM;
  if (given) return existsSync(given) ? given : undefined;
  for (const name of NAMES) {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
      if (dir !== "" && existsSync(path.join(dir, name))) return path.join(dir, name);
    }
  }
  return undefined;
}

/**
 * What is missing to run Chromium here, as one line; `undefined` when nothing is.
 *
 * @returns The line.
 */
export function chromiumMissing(): string | undefined {
  if (findChromium() === undefined) {
    const given = process.env.TRUEPAR_CHROMIUM;
    return given
      ? `TRUEPAR_CHROMIUM names ${given}, which does not exist`
      : `no Chromium on this machine (${CHROMIUM_INSTALL})`;
  }
  return undefined;
}
