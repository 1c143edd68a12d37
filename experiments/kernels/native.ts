/**
 * The native C reference: core/workloads/kernels/kernels.c, built with the machine's
 * C compiler at -O2 on first use (cached by source and compiler) and run as a
 * subprocess. `node:child_process` serves all three runtimes here.
 *
 * @module
 */

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { NativeKernels, NativeStatus } from "./kernels.ts";
import { cacheDir } from "../../runtimes/_cache.ts";

const SOURCE = new URL("../../core/workloads/kernels/kernels.c", import.meta.url);
const FLAGS = ["-O2", "-ffp-contract=off"];
const RUN_TIMEOUT_MS = 120_000;

/**
 * Creates the native runner for this machine.
 *
 * @param compiler The C compiler; `$CC` or `cc` by default.
 * @returns A runner whose `status()` says whether a compiler was found.
 */
export function createNativeKernels(compiler = process.env.CC || "cc"): NativeKernels {
  let built: Promise<{ binary: string; status: NativeStatus }> | undefined;
  const build = () => (built ??= buildBinary(compiler));
  return {
    status: async () => (await build()).status,
    async run(kernel, args, repeat) {
      const { binary, status } = await build();
      if (!status.available) throw new Error(`Cannot run native ${kernel}: ${status.reason}`);
      const stdout = await run(binary, [kernel, ...args.map(String), String(repeat)]);
      const { checksum, samplesMs } = JSON.parse(stdout) as { checksum: string; samplesMs: number[] };
      return { checksum: String(Number(checksum)), samplesMs };
    },
  };
}

async function buildBinary(compiler: string): Promise<{ binary: string; status: NativeStatus }> {
  let version: string;
  try {
    version = (await run(compiler, ["--version"])).split("\n")[0]!.trim();
  } catch {
    return { binary: "", status: { available: false, reason: `no C compiler: "${compiler} --version" failed` } };
  }
  const hash = createHash("sha256").update(readFileSync(fileURLToPath(SOURCE))).update(version).update(FLAGS.join(" "))
    .digest("hex").slice(0, 16);
  const dir = cacheDir();
  const binary = path.join(dir, `kernels-native-${hash}`);
  const status: NativeStatus = { available: true, compiler: `${version} ${FLAGS.join(" ")}` };
  if (existsSync(binary)) return { binary, status };
  mkdirSync(dir, { recursive: true });
  const temporary = `${binary}.${process.pid}.tmp`;
  try {
    await run(compiler, [...FLAGS, "-o", temporary, fileURLToPath(SOURCE)]);
    renameSync(temporary, binary);
  } catch (error) {
    return {
      binary: "",
      status: { available: false, reason: `${compiler} failed: ${(error as Error).message.split("\n")[0]}` },
    };
  }
  return { binary, status };
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: RUN_TIMEOUT_MS, encoding: "utf8" }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(file)} ${args.join(" ")}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}
