/**
 * What bundling a task module with esbuild needs on every target (Node's
 * workers, a browser's page): `import.meta.url` kept pointing at each source
 * file, and a build's failure as one line naming the file and the place.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import path from "node:path";

/** The part of esbuild's plugin interface these plugins use. */
interface PluginBuild {
  onLoad(
    options: { filter: RegExp },
    callback: (args: { path: string }) => Promise<{ contents: string; loader: "ts" | "js" }>,
  ): void;
}

/**
 * An esbuild plugin that sets `import.meta.url` in each source file to that
 * file's own address, so URLs built from it (a worker's entry, a task
 * module) still resolve inside a bundle.
 *
 * @param urlOf The address of a source file: its `file:` URL for Node, the page server's for a browser.
 * @returns The plugin.
 */
export function importMetaUrlPlugin(
  urlOf: (file: string) => string,
): { name: string; setup(build: PluginBuild): void } {
  return {
    name: "import-meta-url",
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]s$/ }, async ({ path: file }) => ({
        contents: (await readFile(file, "utf8")).replace(/\bimport\.meta\.url\b/g, JSON.stringify(urlOf(file))),
        loader: /\.[cm]?ts$/.test(file) ? "ts" : "js",
      }));
    },
  };
}

/**
 * A failed build as one line: esbuild's first error and where it is.
 *
 * @param what What could not be loaded, such as `Cannot load task module /x/tasks.ts`.
 * @param error What esbuild threw.
 * @returns The error to throw, with esbuild's as its cause.
 */
export function buildError(what: string, error: unknown): Error {
  const first =
    (error as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors
      ?.[0];
  const where = first?.location
    ? ` (${path.resolve(first.location.file)}:${first.location.line}:${first.location.column + 1})`
    : "";
  return new Error(`${what}: ${first?.text ?? (error as Error).message}${where}`, { cause: error });
}
