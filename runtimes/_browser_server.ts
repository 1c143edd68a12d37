/**
 * The local server a browser runs truepar from: on 127.0.0.1 only, every
 * answer cross-origin isolated (`Cross-Origin-Opener-Policy: same-origin`,
 * `Cross-Origin-Embedder-Policy: require-corp`), so SharedArrayBuffer, Atomics
 * and shared WebAssembly memory work in the page and its workers.
 *
 * A file is served at `/@fs` and its absolute path, from the folders the
 * server was given only. A TypeScript or JavaScript module is bundled for the
 * browser on its first request (esbuild): `import.meta.url` keeps pointing at
 * each source file's own address, so the URLs built from it (a worker's entry,
 * a task module) resolve as they do on the other runtimes, and a `node:`
 * import becomes a stand-in that throws when called (a browser has no
 * `node:fs`; code that needs it is not run there).
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { buildError, importMetaUrlPlugin } from "./_bundle.ts";

/** A running server. */
export interface BrowserServer {
  /** Such as `http://127.0.0.1:41234`. */
  readonly origin: string;
  /** The address a file is served at. */
  urlOf(file: string): string;
  /** The file an address serves, or `undefined` for one not under `/@fs`. */
  fileOf(url: string): string | undefined;
  close(): Promise<void>;
}

/** Content types by extension; anything else is served as bytes. */
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".ts": "text/javascript; charset=utf-8",
  ".mts": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
};

/**
 * Starts the server.
 *
 * @param roots The folders whose files it serves (truepar's own, a task module's).
 * @param page The HTML of `/`.
 * @returns The running server.
 */
export async function startBrowserServer(roots: readonly string[], page: string): Promise<BrowserServer> {
  const bundles = new Map<string, Promise<string>>();
  let origin = "";
  const urlOf = (file: string) => `${origin}/@fs${pathToFileURL(file).pathname}`;
  const fileOf = (url: string) => {
    const { pathname, origin: from } = new URL(url, origin);
    return from === origin && pathname.startsWith("/@fs/") ? decodeURIComponent(pathname.slice("/@fs".length)) : undefined;
  };
  const allowed = (file: string) => roots.some((root) => file === root || file.startsWith(root.endsWith(path.sep) ? root : root + path.sep));

  const answer = async (request: IncomingMessage, response: ServerResponse) => {
    response.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    response.setHeader("Cross-Origin-Embedder-Policy", "require-corp");
    response.setHeader("Cross-Origin-Resource-Policy", "same-origin");
    response.setHeader("Cache-Control", "no-store");
    const url = new URL(request.url ?? "/", origin);
    if (url.pathname === "/") {
      response.setHeader("Content-Type", TYPES[".html"]!);
      response.end(page);
      return;
    }
    const file = fileOf(url.href);
    if (file === undefined || path.normalize(file) !== file || !allowed(file)) {
      response.statusCode = 404;
      response.end(`Not served: ${url.pathname}`);
      return;
    }
    const extension = path.extname(file);
    try {
      let body: string | Uint8Array;
      if (/^\.[cm]?[jt]s$/.test(extension)) {
        let bundled = bundles.get(file);
        if (bundled === undefined) bundles.set(file, bundled = bundleForBrowser(file, urlOf));
        body = await bundled;
      } else {
        body = await readFile(file);
      }
      response.setHeader("Content-Type", TYPES[extension] ?? "application/octet-stream");
      response.end(body);
    } catch (error) {
      bundles.delete(file);
      response.statusCode = (error as { code?: string }).code === "ENOENT" ? 404 : 500;
      response.setHeader("Content-Type", "text/plain; charset=utf-8");
      response.end((error as Error).message);
    }
  };

  const server = createServer((request, response) => void answer(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    origin,
    urlOf,
    fileOf,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Bundles one module and what it imports into one ES module for the browser. */
async function bundleForBrowser(file: string, urlOf: (file: string) => string): Promise<string> {
  const esbuild = await import("esbuild");
  try {
    const result = await esbuild.build({
      entryPoints: [file],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "esnext",
      write: false,
      logLevel: "silent",
      // Loaded only by the driver's side of code a page also bundles (the registry's runtimes): never in a page.
      external: ["playwright-core", "esbuild"],
      // A module's own lines in its errors' stacks.
      sourcemap: "inline",
      plugins: [nodeStandIns, importMetaUrlPlugin(urlOf)],
    });
    return result.outputFiles[0]!.text;
  } catch (error) {
    throw buildError(`Cannot load module ${file} in the browser`, error);
  }
}

/** Resolves every `node:` import to its stand-in. */
const nodeStandIns = {
  name: "node-stand-ins",
  setup(build: {
    onResolve(options: { filter: RegExp }, callback: (args: { path: string }) => { path: string; namespace: string }): void;
    onLoad(options: { filter: RegExp; namespace: string }, callback: (args: { path: string }) => { contents: string; loader: "js" }): void;
  }) {
    build.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: "node-stand-in" }));
    build.onLoad({ filter: /.*/, namespace: "node-stand-in" }, (args) => ({ contents: standIn(args.path), loader: "js" }));
  },
};

/**
 * A `node:` module in a browser: any export, default or named, is a function
 * that throws naming what is missing. A CommonJS module, so esbuild accepts
 * any name imported from it; the names resolve through its prototype.
 */
function standIn(specifier: string): string {
  return `const missing = (key) => function () { throw new Error(${JSON.stringify(specifier)} + ": " + key + " is not available in a browser"); };
const names = new Proxy({}, { get: (_, key) => (typeof key === "string" ? missing(key) : undefined) });
module.exports = new Proxy({}, { get: (_, key) => (key === "__esModule" ? undefined : names[key]), getPrototypeOf: () => names });
`;
}
