/**
 * `npm run build:kernels`: compiles core/workloads/kernels/kernels.wat with
 * wabt into kernels.wasm and kernels_wasm.ts beside it (the same bytes, base64,
 * so every runtime loads them with no file access and no build step).
 * `--check` builds in memory and exits 1 if the committed files are stale.
 *
 * @module
 */

import { readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { buildKernels } from "./_wasm_build.ts";

const root = new URL("../core/workloads/kernels/", import.meta.url);
const { wasm, module } = await buildKernels(readFileSync(new URL("kernels.wat", root), "utf8"));
if (process.argv.includes("--check")) {
  const stale = [["kernels.wasm", wasm], ["kernels_wasm.ts", module]].filter(([file, bytes]) => {
    try {
      return !Buffer.from(readFileSync(new URL(file as string, root))).equals(
        Buffer.from(bytes as Uint8Array | string),
      );
    } catch {
      return true;
    }
  });
  if (stale.length > 0) {
    console.error(
      `Cannot trust kernels: ${
        stale.map(([file]) => `core/workloads/kernels/${file}`).join(" and ")
      } do not match core/workloads/kernels/kernels.wat; run npm run build:kernels`,
    );
    process.exit(1);
  }
  console.log(`core/workloads/kernels/kernels.wasm is up to date (${wasm.length} bytes)`);
} else {
  writeFileSync(new URL("kernels.wasm", root), wasm);
  writeFileSync(new URL("kernels_wasm.ts", root), module);
  console.log(`wrote core/workloads/kernels/kernels.wasm (${wasm.length} bytes) and kernels_wasm.ts`);
}
