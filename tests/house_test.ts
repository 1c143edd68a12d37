/**
 * The house as its documentation describes it: every registered experiment
 * reachable from the library's exports and documented; the flags the docs
 * show are the flags the code declares; every count the docs state is the
 * code's; the package's subpaths the same for npm and Deno; and the layers
 * import only downward.
 */

import { RUNTIME } from "./_guard.ts";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import * as library from "../mod.ts";
import * as experimentsLibrary from "../experiments/mod.ts";
import { EXPERIMENT_NAMES, EXPERIMENTS } from "../experiments/registry.ts";
import { formatUsage } from "../scripts/run_args.ts";
import { COMPARE_USAGE } from "../scripts/compare_args.ts";
import { WORKLOADS } from "../core/workloads/mod.ts";
import { KERNEL_SPECS } from "../core/workloads/kernels/mod.ts";
import { STRATEGIES } from "../experiments/scaling/strategies.ts";
import { RUNTIMES } from "../runtimes/registry.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
const DOCS = [
  "README.md",
  ...readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`),
];

/** A doc's words: its code and output blocks left out (a plain block, such as a layout, kept), its lines joined. */
function prose(text: string): string {
  return text.replace(/^```\w+\n[\s\S]*?^```/gm, "").replace(/\s*\n\s*/g, " ");
}

/** The names a module's `export { … }` and `export type { … }` statements give. */
function exportedNames(source: string): string[] {
  return [...source.matchAll(/^export (?:type )?\{([^}]*)\}/gm)]
    .flatMap((match) => match[1]!.split(",").map((name) => name.trim().split(/\s+as\s+/).at(-1)!))
    .filter((name) => name !== "");
}

const test = suite(`${RUNTIME}: the house as documented`);

test("every registered experiment's runner, run<Name>, is exported by mod.ts and by ./experiments", () => {
  for (const { name } of EXPERIMENTS) {
    const runner = `run${name[0]!.toUpperCase()}${name.slice(1)}`;
    assert.type((library as Record<string, unknown>)[runner], "function", `mod.ts does not export ${runner}`);
    if (name === "scaling") continue;
    assert.type(
      (experimentsLibrary as Record<string, unknown>)[runner],
      "function",
      `./experiments does not export ${runner}`,
    );
  }
});

test("every experiment is documented: its record in docs/records.md, its name in README's flags", () => {
  const records = read("docs/records.md");
  const readmeFlags = read("README.md").split("\n").find((line) => line.includes("`--experiment NAME`")) ?? "";
  for (const { name, schema } of EXPERIMENTS) {
    assert.ok(records.includes(`\`${schema}\``), `docs/records.md does not document ${schema}`);
    assert.ok(
      readmeFlags.includes(`\`${name}\``),
      `README.md's --experiment line does not name ${name}: ${readmeFlags}`,
    );
  }
});

test("docs/cli.md shows the flags as --help prints them, for run.ts and compare.ts", () => {
  const cli = read("docs/cli.md");
  const blocks = [...cli.matchAll(/```text\n([\s\S]*?)\n```/g)].map((match) => match[1]!);
  assert.ok(
    blocks.includes(formatUsage()),
    "docs/cli.md's run.ts --help block differs from formatUsage(): paste `scripts/run.ts --help`",
  );
  assert.ok(
    blocks.includes(COMPARE_USAGE),
    "docs/cli.md's compare.ts --help block differs from COMPARE_USAGE: paste `scripts/compare.ts --help`",
  );
  for (const name of EXPERIMENT_NAMES) assert.ok(formatUsage().includes(name));
});

// What a count in the docs may be about, and the code's figure for it. A count of anything else fails: add it here.
const WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];
const COUNTS: Record<string, { figure: number; what: string }> = {
  names: { figure: exportedNames(read("mod.ts")).length, what: "the names mod.ts exports" },
  experiments: { figure: EXPERIMENTS.length, what: "the registered experiments" },
  workloads: { figure: WORKLOADS.size, what: "the workloads" },
  kernels: { figure: KERNEL_SPECS.length, what: "the kernels" },
  strategies: { figure: STRATEGIES.length, what: "scaling's strategies" },
  runtimes: {
    figure: RUNTIMES.filter((r) => r.detect !== undefined).length,
    what: "the runtimes that run truepar themselves",
  },
};

test("every count the docs state (N names, experiments, workloads, kernels, strategies, runtimes) is the code's", () => {
  const pattern = new RegExp(`\\b(\\d+|${WORDS.join("|")}) (${Object.keys(COUNTS).join("|")})\\b`, "gi");
  let seen = 0;
  for (const file of DOCS) {
    for (const [claim, number, noun] of prose(read(file)).matchAll(pattern)) {
      const stated = /^\d+$/.test(number!) ? Number(number) : WORDS.indexOf(number!.toLowerCase()) + 1;
      const { figure, what } = COUNTS[noun!.toLowerCase()]!;
      assert.is(stated, figure, `${file} says "${claim}", but ${what} are ${figure}`);
      seen++;
    }
  }
  assert.ok(seen > 0, "no count found: the pattern or the docs changed");
});

test("package.json and deno.json give the same subpaths, each on the same source", () => {
  const npm = JSON.parse(read("package.json")).exports as Record<string, { default: string }>;
  const deno = JSON.parse(read("deno.json")).exports as Record<string, string>;
  assert.equal(Object.keys(npm).sort(), Object.keys(deno).sort());
  for (const [subpath, source] of Object.entries(deno)) {
    const built = npm[subpath]!.default.replace(/^\.\/dist\//, "./").replace(/\.js$/, ".ts");
    assert.is(built, source, `${subpath}: npm's ${npm[subpath]!.default}, Deno's ${source}`);
  }
});

/** Every relative import of the tree's TypeScript, comments and documentation examples aside. */
function imports(): { from: string; to: string }[] {
  const edges: { from: string; to: string }[] = [];
  const walk = (dir: string): string[] =>
    readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(`${dir}/${entry.name}`) : entry.name.endsWith(".ts") ? [`${dir}/${entry.name}`] : []
    );
  for (const file of ["core", "runtimes", "experiments", "scripts"].flatMap(walk)) {
    for (const line of read(file).split("\n")) {
      if (/^\s*(\*|\/\/)/.test(line)) continue;
      for (const match of line.matchAll(/(?:from\s+|import\s*\(\s*|^import\s+)["'](\.{1,2}\/[^"']+)["']/g)) {
        edges.push({ from: file, to: path.posix.normalize(path.posix.join(path.posix.dirname(file), match[1]!)) });
      }
    }
  }
  return edges;
}

// Each layer and what it may not import: the library knows no runtime, experiment or script; a runtime no experiment.
const LAYERS: [from: string, mayNot: string[]][] = [
  ["core/", ["runtimes/", "experiments/", "scripts/"]],
  ["core/pool/", ["core/workloads/", "core/sync/"]],
  ["core/workloads/", ["core/pool/"]],
  ["core/sync/", ["core/pool/", "core/workloads/"]],
  ["runtimes/", ["experiments/", "scripts/"]],
  ["experiments/", ["scripts/"]],
];

test("each layer imports only downward: core knows no runtime, the pool no workload, a runtime no experiment", () => {
  const edges = imports();
  assert.ok(edges.length > 300, `only ${edges.length} imports found: the walk changed`);
  const crossing = edges.filter(({ from, to }) =>
    LAYERS.some(([layer, mayNot]) => from.startsWith(layer) && mayNot.some((other) => to.startsWith(other)))
  );
  assert.equal(crossing.map(({ from, to }) => `${from} → ${to}`), []);
});

test.run();
