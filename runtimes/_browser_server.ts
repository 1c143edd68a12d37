/**
 * The local server a browser runs truepar from: on 127.0.0.1 only, every
 * answer cross-origin isolated (`Cross-Origin-Opener-Policy: same-origin`,
 * `Cross-Origin-Embedder-Policy: require-corp`), so SharedArrayBuffer, Atomics
 * and shared WebAssembly memory work in the page and its workers.
 *
 * It serves only what the page needs, to the page only: truepar's own modules
 * (and WebAssembly) and the task modules it is given with their import
 * graphs, at `/<token>/@fs` and the file's absolute path, where the token is
 * unguessable, so another process on the machine cannot read them; any other
 * file answers 404, a request without the token or for another `Host` than
 * its own address 403 (a web page that resolves its own name to 127.0.0.1,
 * DNS rebinding, sends its own name as `Host`).
 *
 * A TypeScript or JavaScript module is bundled for the browser on its first
 * request (esbuild): `import.meta.url` keeps pointing at each source file's
 * own address, so the URLs built from it (a worker's entry, a task module)
 * resolve as they do on the other runtimes, and a `node:` import becomes a
 * stand-in that throws when called (a browser has no `node:fs`; code that
 * needs it is not run there).
 *
 * @module
 */

import { randomBytes } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { buildError, importMetaUrlPlugin } from "./_bundle.ts";

/** A running server. */
export interface BrowserServer {
  /** Such as `http://127.0.0.1:41234`. */
  readonly origin: string;
  /** The page's address: the origin and the token, such as `http://127.0.0.1:41234/3f…9a/`. */
  readonly home: string;
  /** The address a file is served at. */
  urlOf(file: string): string;
  /** The file an address serves, or `undefined` for one not under `/<token>/@fs`. */
  fileOf(url: string): string | undefined;
  /** Serves one more task module, and what it imports. */
  allow(file: string): void;
  close(): Promise<void>;
}

/** What the server serves. */
export interface BrowserServerOptions {
  /** truepar's folder: its modules and WebAssembly are served, nothing else in it. */
  own: string;
  /** Task modules beyond truepar's own: each, and the files it imports, are served. */
  modules?: readonly string[];
  /** The HTML of the page, at the home address. */
  page: (home: string) => string;
}

/** What of truepar's folder is served: modules and WebAssembly, outside what it installs, records and keeps. */
const OWN_FILES = /\.(?:[cm]?[jt]s|wasm)$/;
const NOT_SERVED = new Set(["node_modules", ".git", "results", ".runtimes"]);

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
 * @param options truepar's folder, the task modules it may also serve, and the page.
 * @returns The running server.
 */
export async function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const bundles = new Map<string, Promise<string>>();
  // A path no other process on the machine can guess: the page's addresses are the page's.
  const token = randomBytes(18).toString("base64url");
  let origin = "";
  let host = "";
  const modules = new Set(options.modules ?? []);
  const own = options.own.endsWith(path.sep) ? options.own : options.own + path.sep;
  const urlOf = (file: string) => `${origin}/${token}/@fs${pathToFileURL(file).pathname}`;
  const fileOf = (url: string) => {
    const { pathname, origin: from } = new URL(url, origin);
    const prefix = `/${token}/@fs/`;
    return from === origin && pathname.startsWith(prefix)
      ? decodeURIComponent(pathname.slice(prefix.length - 1))
      : undefined;
  };
  const served = (file: string) =>
    modules.has(file) ||
    (file.startsWith(own) && OWN_FILES.test(file) &&
      !file.slice(own.length).split(path.sep).some((part) => NOT_SERVED.has(part)));

  const answer = async (request: IncomingMessage, response: ServerResponse) => {
    response.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    response.setHeader("Cross-Origin-Embedder-Policy", "require-corp");
    response.setHeader("Cross-Origin-Resource-Policy", "same-origin");
    response.setHeader("Cache-Control", "no-store");
    response.setHeader("Content-Type", "text/plain; charset=utf-8");
    const url = new URL(request.url ?? "/", origin);
    if (request.headers.host !== host || !url.pathname.startsWith(`/${token}/`)) {
      response.statusCode = 403;
      response.end("Forbidden: this server answers its own page only");
      return;
    }
    if (url.pathname === `/${token}/`) {
      response.setHeader("Content-Type", TYPES[".html"]!);
      response.end(options.page(`${origin}/${token}/`));
      return;
    }
    const file = fileOf(url.href);
    if (file === undefined || path.normalize(file) !== file || !served(file)) {
      response.statusCode = 404;
      response.end(`Not served: ${url.pathname.slice(token.length + 1)}`);
      return;
    }
    const extension = path.extname(file);
    try {
      // A file that is not there is not there, whatever its extension: 404, not a bundler's error.
      await stat(file);
      let body: string | Uint8Array;
      if (/^\.[cm]?[jt]s$/.test(extension)) {
        let bundled = bundles.get(file);
        // A task module's import graph is served with it: a page may import a module of it by its own address.
        if (bundled === undefined) {
          bundles.set(
            file,
            bundled = bundleForBrowser(
              file,
              urlOf,
              modules.has(file) ? (input) => modules.add(input) : undefined,
            ),
          );
        }
        body = await bundled;
      } else {
        body = await readFile(file);
      }
      response.setHeader("Content-Type", TYPES[extension] ?? "application/octet-stream");
      response.end(body);
    } catch (error) {
      bundles.delete(file);
      response.statusCode = (error as { code?: string }).code === "ENOENT" ? 404 : 500;
      response.end((error as Error).message);
    }
  };

  const server = createServer((request, response) => void answer(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  origin = `http://${host}`;
  return {
    origin,
    home: `${origin}/${token}/`,
    urlOf,
    fileOf,
    allow: (file) => void modules.add(file),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Bundles one module and what it imports into one ES module for the browser; `onInput` hears each file of its import graph. */
async function bundleForBrowser(
  file: string,
  urlOf: (file: string) => string,
  onInput?: (file: string) => void,
): Promise<string> {
  const esbuild = await import("esbuild");
  try {
    const result = await esbuild.build({
      metafile: onInput !== undefined,
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
    for (const input of Object.keys(result.metafile?.inputs ?? {})) {
      if (!input.includes(":")) onInput?.(path.resolve(input));
    }
    return result.outputFiles[0]!.text;
  } catch (error) {
    throw buildError(`Cannot load module ${file} in the browser`, error);
  }
}

/** Resolves every `node:` import to its stand-in. */
const nodeStandIns = {
  name: "node-stand-ins",
  setup(build: {
    onResolve(
      options: { filter: RegExp },
      callback: (args: { path: string }) => { path: string; namespace: string },
    ): void;
    onLoad(
      options: { filter: RegExp; namespace: string },
      callback: (args: { path: string }) => { contents: string; loader: "js" },
    ): void;
  }) {
    build.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: "node-stand-in" }));
    build.onLoad(
      { filter: /.*/, namespace: "node-stand-in" },
      (args) => ({ contents: standIn(args.path), loader: "js" }),
    );
  },
};

/**
 * A `node:` module in a browser: any export, default or named, is a function
 * that throws naming what is missing. A CommonJS module, so esbuild accepts
 * any name imported from it; the names resolve through its prototype.
 */
function standIn(specifier: string): string {
  return `const missing = (key) => function () { throw new Error(${
    JSON.stringify(specifier)
  } + ": " + key + " is not available in a browser"); };
const names = new Proxy({}, { get: (_, key) => (typeof key === "string" ? missing(key) : undefined) });
module.exports = new Proxy({}, { get: (_, key) => (key === "__esModule" ? undefined : names[key]), getPrototypeOf: () => names });
`;
}
