/**
 * Chromium's row: the adapter conformance suite in a page with its Web
 * Workers, the experiments through `scripts/run.ts --runtime chromium`, and
 * the one line where there is no browser. Driven from Node: under Deno and
 * Bun this file has nothing to run.
 */

import { RUNTIME } from "./_guard.ts";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { stripVTControlCharacters } from "node:util";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { execa } from "execa";
import { chromiumMissing } from "../runtimes/_chromium_find.ts";

const test = suite(`${RUNTIME}: chromium`);
const missing = chromiumMissing();
const RUN = ["--import", "tsx", "scripts/run.ts", "--runtime", "chromium"];
const cwd = new URL("../", import.meta.url);

if (RUNTIME === "node" && missing === undefined) {
  test("the conformance suite passes in a page, on Web Workers, in both modes", async () => {
    const { createChromiumDriver } = await import("../runtimes/chromium.ts");
    const driver = await createChromiumDriver();
    let output: string;
    try {
      assert.is(driver.runtime.name, "chromium");
      assert.match(driver.runtime.engine, /^v8 \d+\.\d+/);
      output = String(await driver.call(new URL("./browser/conformance_page.ts", import.meta.url), "runConformance"));
    } finally {
      await driver.close();
    }
    const plain = stripVTControlCharacters(output);
    const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1]);
    const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1]);
    assert.ok(total >= 40, `expected both modes' cases, received:\n${plain}`);
    assert.is(passed, total, plain);
  });

  test("sync: plain ++ races, Atomics.add and the Mutex lose nothing, in truepar.sync/1", async () => {
    const { stdout } = await execa("node", [...RUN, "--experiment", "sync", "--json"], { cwd });
    const record = JSON.parse(stdout);
    assert.is(record.schema, "truepar.sync/1");
    assert.is(record.runtime.name, "chromium");
    const { plain, atomic, mutex } = record.lostUpdates;
    assert.is(atomic.lost, 0);
    assert.is(mutex.lost, 0);
    assert.is(plain.expected, 2_000_000);
    // Lost updates need the loops to run at once, and then come most times: counted up to 3 times while nothing was lost.
    assert.ok(
      plain.lost > 0 || plain.attempts === 3,
      `plain ++ lost nothing in ${plain.attempts} counts, ${plain.overlapMs} ms of overlap`,
    );
  });

  test("overhead: the page's renderer is found and its memory read, idle and per worker", async () => {
    const { stdout } = await execa("node", [
      ...RUN,
      "--experiment",
      "overhead",
      "--spawns",
      "1",
      "--round-trips",
      "10",
      "--cycles",
      "1",
      "--json",
    ], { cwd });
    const record = JSON.parse(stdout);
    assert.is(record.schema, "truepar.overhead/1");
    assert.ok(record.idleMB.rss > 10, `the renderer's idle RSS: ${JSON.stringify(record.idleMB)}`);
    assert.type(record.perWorkerMB.rss, "number");
    assert.type(record.perWorkerMB.pss, "number");
  });

  test("scaling: sequential, async and workers give one checksum; workers at 2 use 2 cores", async () => {
    const checksums = [];
    for (const strategy of ["sequential", "async", "workers"]) {
      const { stdout } = await execa("node", [
        ...RUN,
        "--strategy",
        strategy,
        "--concurrency",
        "1,2",
        "--tasks",
        "4",
        "--iterations",
        "2000000",
        "--repeat",
        "2",
        "--warmup",
        "0",
        "--json",
      ], { cwd });
      const record = JSON.parse(stdout);
      assert.is(record.runtime.name, "chromium");
      assert.is(record.strategy, strategy);
      checksums.push(record.checksum);
      if (strategy === "workers") {
        assert.ok(record.points[1].coresBusy === null || record.points[1].coresBusy > 0, "cores busy is read");
      }
    }
    assert.is(new Set(checksums).size, 1, checksums.join(" "));
  });

  test("compare adds a chromium row: its workers, n/a for processes, the same checksum as node's", async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "truepar-chromium-"));
    try {
      await execa("node", [
        "--import",
        "tsx",
        "scripts/compare.ts",
        "--profile",
        "smoke",
        "--runtimes",
        "node,chromium",
        "--experiments",
        "scaling",
        "--workloads",
        "cpu",
        "--out",
        out,
      ], { cwd });
      const rows = readFileSync(path.join(out, "results.csv"), "utf8").trim().split("\n").map((line) =>
        line.split(",")
      );
      const at = (name: string) => rows[0]!.indexOf(name);
      const chromium = rows.filter((row) => row[at("runtime")] === "chromium");
      assert.equal([...new Set(chromium.map((row) => row[at("strategy")]))].sort(), ["async", "sequential", "workers"]);
      assert.is(new Set(rows.slice(1).map((row) => row[at("checksum")])).size, 1, "one checksum on both runtimes");
      const report = readFileSync(path.join(out, "report.md"), "utf8");
      assert.match(report, /\| chromium +\|.*\| n\/a +\|/);
      await checkPage(path.join(out, "index.html"));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  test("a task module that does not compile is one line naming the file and the place, exit 2", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "truepar-chromium-task-"));
    try {
      writeFileSync(path.join(dir, "broken.ts"), "export function f(): number {\n  return 1 +;\n}\n");
      const result = await execa("node", [...RUN, "--task", `${path.join(dir, "broken.ts")}#f`], {
        cwd,
        reject: false,
      });
      assert.is(result.exitCode, 2);
      assert.is(
        result.stderr.split("\n")[0],
        `Cannot run: --task's module cannot be loaded: Cannot load module ${
          path.join(dir, "broken.ts")
        } in the browser: Unexpected ";" (${path.join(dir, "broken.ts")}:2:13)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a strategy the browser has not, or a blocking workload on its page, is one line and exit 2", async () => {
    for (
      const [args, expected] of [
        [
          ["--strategy", "processes"],
          'Cannot run: chromium has no strategy "processes" (it has sequential, async, workers), received --strategy processes',
        ],
        [
          ["--workload", "io-blocking", "--strategy", "async"],
          'Cannot run: chromium\'s main thread may not block, as workload "io-blocking" does: run it in workers, received --strategy async',
        ],
      ] as const
    ) {
      const result = await execa("node", [...RUN, ...args], { cwd, reject: false });
      assert.is(result.exitCode, 2);
      assert.is(result.stderr.split("\n")[0], expected);
    }
  });
}

if (RUNTIME === "node") {
  test("without a browser: one line saying how to get one, exit 2; compare goes on without the row", async () => {
    const env = { ...process.env, TRUEPAR_CHROMIUM: "/nonexistent/chromium" };
    const run = await execa("node", [...RUN, "--experiment", "sync"], { cwd, env, reject: false });
    assert.is(run.exitCode, 2);
    assert.is(run.stderr, "Cannot run on chromium: TRUEPAR_CHROMIUM names /nonexistent/chromium, which does not exist");
    assert.is(run.stdout, "");
  });
}

/** The report's page, in a real browser: the answer first, each chart drawn with its table, nothing wider than its box. */
async function checkPage(file: string): Promise<void> {
  const { chromium } = await import("playwright-core");
  const { findChromium } = await import("../runtimes/_chromium_find.ts");
  const browser = await chromium.launch({
    executablePath: findChromium(),
    args: process.getuid?.() === 0 ? ["--no-sandbox"] : [],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`file://${file}`);
    await page.waitForLoadState("load");
    const seen = await page.evaluate(() => {
      // The page's DOM, typed as far as this check reads it (the type checkers here have no DOM library).
      interface Node {
        id: string;
        tagName: string;
        className: string;
        scrollWidth: number;
        clientWidth: number;
        naturalWidth?: number;
        querySelector(s: string): Node | null;
      }
      const { document, innerWidth } = globalThis as unknown as {
        innerWidth: number;
        document: {
          documentElement: Node;
          querySelector(s: string): Node | null;
          querySelectorAll(s: string): ArrayLike<Node>;
        };
      };
      const overflowing = Array.from(document.querySelectorAll("figure, table, .pair, section"))
        .filter((el) => el.scrollWidth > el.clientWidth + 1)
        .map((el) => `${el.tagName.toLowerCase()}.${el.className} ${el.scrollWidth} > ${el.clientWidth}`);
      const first = document.querySelector("body > section");
      return {
        first: first?.id,
        matrixRows: document.querySelectorAll("#verdict table.matrix tr").length,
        sections: Array.from(document.querySelectorAll("body > section")).map((el) => el.id),
        pairs: Array.from(document.querySelectorAll(".pair")).map((el) => ({
          img: el.querySelector("img")?.naturalWidth ?? 0,
          table: el.querySelector("table") !== null,
        })),
        overflowing,
        pageWider: document.documentElement.scrollWidth > innerWidth,
      };
    });
    assert.is(seen.first, "verdict", "the page opens with the verdict");
    assert.ok(seen.matrixRows >= 3, `the verdict's matrix: a header and a row per runtime, ${seen.matrixRows} rows`);
    assert.ok(seen.sections.includes("scaling"), seen.sections.join(", "));
    assert.ok(
      seen.pairs.length >= 2 && seen.pairs.every((pair) => pair.img > 0 && pair.table),
      `every chart drawn, with its table: ${JSON.stringify(seen.pairs)}`,
    );
    assert.equal(seen.overflowing, [], "content wider than its box");
    assert.is(seen.pageWider, false, "the page is wider than the window");
    const shot = await page.screenshot({ fullPage: true });
    assert.ok(shot.length > 10_000, `a screenshot of ${shot.length} bytes`);
  } finally {
    await browser.close();
  }
}

test.run();
