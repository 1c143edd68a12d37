/**
 * The browser row's page server serves only what the page needs, to the
 * page only: truepar's modules, a task module and its imports; not the files
 * beside them, not to a request for another host, not without its token.
 */

import { RUNTIME } from "./_guard.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { startBrowserServer } from "../runtimes/_browser_server.ts";

const test = suite(`${RUNTIME}: the browser's page server`);
const OWN = fileURLToPath(new URL("../", import.meta.url));

/** GETs a path of the server with a Host header of one's choosing: its status. */
function get(origin: string, pathname: string, host?: string): Promise<number> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: pathname, headers: host === undefined ? {} : { host } }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode!));
    });
    req.on("error", reject);
    req.end();
  });
}

test("a task module and its imports load; a file beside them, another host and a path without the token do not", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "truepar-server-"));
  const task = path.join(dir, "task.ts");
  const helper = path.join(dir, "helper.ts");
  writeFileSync(
    task,
    `import { twice } from "./helper.ts";\nexport function run(n: number): number { return twice(n); }\n`,
  );
  writeFileSync(helper, `export function twice(n: number): number { return 2 * n; }\n`);
  writeFileSync(path.join(dir, "secret.txt"), "not for the page");
  const server = await startBrowserServer({ own: OWN, modules: [task], page: () => "<!doctype html>" });
  try {
    const pathOf = (file: string) => new URL(server.urlOf(file)).pathname;
    assert.is(await get(server.origin, new URL(server.home).pathname), 200);
    assert.is(await get(server.origin, pathOf(task)), 200);
    // Bundling the task module serves its import graph too.
    assert.is(await get(server.origin, pathOf(helper)), 200);
    assert.is(await get(server.origin, pathOf(path.join(dir, "secret.txt"))), 404);
    assert.is(await get(server.origin, pathOf(path.join(OWN, "core", "pool", "pool.ts"))), 200);
    assert.is(await get(server.origin, pathOf(path.join(OWN, "core", "no_such_module.ts"))), 404);
    assert.is(await get(server.origin, pathOf(path.join(OWN, "package.json"))), 404);
    assert.is(await get(server.origin, pathOf(path.join(OWN, "node_modules", "uvu", "dist", "index.mjs"))), 404);
    assert.is(await get(server.origin, pathOf(task), "evil.example"), 403);
    assert.is(await get(server.origin, pathOf(task), `evil.example:${new URL(server.origin).port}`), 403);
    assert.is(await get(server.origin, `/@fs${task}`), 403);
    assert.is(await get(server.origin, "/"), 403);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
