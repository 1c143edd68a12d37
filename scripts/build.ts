/**
 * `npm run build` (and `npm pack`, through `prepack`): the npm package's
 * JavaScript and type declarations under dist/, compiled by tsc from the
 * same sources Deno runs. Module URLs built from `import.meta.url`
 * (`new URL("./tasks.ts", import.meta.url)`: a task module, a worker's entry)
 * name the compiled `.js` beside them; the files the code reads at run time
 * (the native kernels' C source, CPython's driver) are copied beside it.
 *
 * @module
 */

import { chmodSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { $ } from "zx";

const root = fileURLToPath(new URL("../", import.meta.url));
const dist = path.join(root, "dist");

rmSync(dist, { recursive: true, force: true });
$.cwd = root;
const tsc = await $({ nothrow: true })`node_modules/.bin/tsc -p tsconfig.build.json`;
if (tsc.exitCode !== 0) {
  process.stderr.write(`Cannot build: tsc failed\n${tsc.stdout}${tsc.stderr}`);
  process.exit(1);
}

let rewritten = 0;
for (const file of (readdirSync(dist, { recursive: true }) as string[]).filter((f) => f.endsWith(".js"))) {
  const absolute = path.join(dist, file);
  const code = readFileSync(absolute, "utf8");
  const next = code.replace(/new URL\("(\.{1,2}\/[^"]+)\.ts", import\.meta\.url\)/g, (whole, stem: string) => {
    if (!existsSync(path.join(path.dirname(absolute), `${stem}.js`))) return whole;
    rewritten++;
    return `new URL("${stem}.js", import.meta.url)`;
  });
  if (next !== code) writeFileSync(absolute, next);
}

for (const file of ["core/workloads/kernels/kernels.c", "scripts/python_driver.py"]) {
  cpSync(path.join(root, file), path.join(dist, file));
}
chmodSync(path.join(dist, "scripts/cli.js"), 0o755);
console.log(`dist/: ${rewritten} module URLs point at the compiled .js`);
