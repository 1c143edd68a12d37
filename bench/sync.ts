/**
 * What a lock costs: truepar's Atomics `Mutex` against a lock that asks the
 * main thread by `postMessage`, uncontended and with 2 workers contending.
 * Runs on the runtime that runs it; `npm run bench:sync` runs it on all three.
 *
 *   bun bench/sync.ts [--json]
 *
 * @module
 */

import { createPool } from "../core/pool/pool.ts";
import { median } from "../core/measure/stats.ts";
import { Barrier } from "../core/sync/barrier.ts";
import { Mutex } from "../core/sync/mutex.ts";
import { createAdapter } from "../runtimes/detect.ts";
import { benchArgs } from "./_flags.ts";

const REPEAT = 5;
const UNCONTENDED_PAIRS = 2_000_000;
const CONTENDED_PAIRS = 200_000;
const MESSAGE_PAIRS = 2_000;

const { json } = benchArgs("sync");
const adapter = await createAdapter();
const { name, version, engine } = adapter.runtime;
const host = adapter.hostInfo();
if (!json) console.log(`bench sync · ${name} ${version} (${engine}) · ${host.cpuModel} · ${host.cores} cores`);

const atomics = new Mutex();
const uncontendedNs = median(Array.from({ length: REPEAT }, () => {
  const start = performance.now();
  for (let i = 0; i < UNCONTENDED_PAIRS; i++) {
    atomics.lock();
    atomics.unlock();
  }
  return ((performance.now() - start) * 1e6) / UNCONTENDED_PAIRS;
}));

const demo = await createPool({
  adapter,
  size: 2,
  module: new URL("../experiments/sync/demo_tasks.ts", import.meta.url),
});
const contendedPerSecond = median(
  await sequence(REPEAT, async () => {
    const shared = {
      counter: new SharedArrayBuffer(4),
      barrier: new Barrier(2).buffer,
      mutex: new Mutex().buffer,
      mode: "mutex",
      iterations: CONTENDED_PAIRS,
    };
    const start = performance.now();
    await Promise.all([0, 1].map(() => demo.run("countUp", shared)));
    if (new Int32Array(shared.counter)[0] !== 2 * CONTENDED_PAIRS) {
      throw new Error("Cannot trust the Atomics mutex: the counter is off");
    }
    return (2 * CONTENDED_PAIRS) / ((performance.now() - start) / 1000);
  }),
);
await demo.close();

const messaging = await createPool({ adapter, size: 2, module: new URL("./_lock_tasks.ts", import.meta.url) });
const byMessage = async (clients: number) => {
  const counter = new SharedArrayBuffer(4);
  const ports = Array.from({ length: clients }, () => new MessageChannel());
  serveLock(ports.map((channel) => channel.port1));
  const start = performance.now();
  await Promise.all(
    ports.map(({ port2 }) =>
      messaging.run("lockByMessage", { port: port2, pairs: MESSAGE_PAIRS, counter }, { transfer: [port2] })
    ),
  );
  const seconds = (performance.now() - start) / 1000;
  ports.forEach((channel) => channel.port1.close());
  if (new Int32Array(counter)[0] !== clients * MESSAGE_PAIRS) {
    throw new Error("Cannot trust the postMessage lock: the counter is off");
  }
  return seconds;
};
const messageUncontendedNs = median(await sequence(REPEAT, async () => ((await byMessage(1)) * 1e9) / MESSAGE_PAIRS));
const messageContendedPerSecond = median(
  await sequence(REPEAT, async () => (2 * MESSAGE_PAIRS) / (await byMessage(2))),
);
await messaging.close();

const record = {
  schema: "truepar.bench-sync/1",
  runtime: adapter.runtime,
  host,
  results: [
    { lock: "atomics-mutex", scenario: "uncontended", median: uncontendedNs, unit: "ns/pair" },
    { lock: "atomics-mutex", scenario: "contended-2-workers", median: contendedPerSecond, unit: "pairs/s" },
    { lock: "postmessage", scenario: "uncontended", median: messageUncontendedNs, unit: "ns/pair" },
    { lock: "postmessage", scenario: "contended-2-workers", median: messageContendedPerSecond, unit: "pairs/s" },
  ],
  ratios: {
    uncontended: messageUncontendedNs / uncontendedNs,
    contended: contendedPerSecond / messageContendedPerSecond,
  },
};
if (json) {
  console.log(JSON.stringify(record, null, 2));
} else {
  console.log(
    `uncontended lock/unlock pair: Atomics Mutex ${uncontendedNs.toFixed(1)} ns · postMessage lock ${
      (messageUncontendedNs / 1000).toFixed(1)
    } µs · ${record.ratios.uncontended.toFixed(0)}x`,
  );
  console.log(
    `2 workers contending: Atomics Mutex ${
      Math.round(contendedPerSecond).toLocaleString("en")
    } pairs/s · postMessage lock ${Math.round(messageContendedPerSecond).toLocaleString("en")} pairs/s · ${
      record.ratios.contended.toFixed(0)
    }x`,
  );
  console.log(
    `(medians of ${REPEAT}: ${UNCONTENDED_PAIRS} uncontended pairs on the main thread, ${CONTENDED_PAIRS} per worker contended, ${MESSAGE_PAIRS} per worker by message)`,
  );
}

/** The main thread's lock server: grants in order of asking. */
function serveLock(ports: MessagePort[]): void {
  let holder: MessagePort | undefined;
  const waiting: MessagePort[] = [];
  for (const port of ports) {
    port.onmessage = (event: MessageEvent<string>) => {
      if (event.data === "acquire") {
        if (holder === undefined) (holder = port).postMessage("granted");
        else waiting.push(port);
      } else {
        holder = waiting.shift();
        holder?.postMessage("granted");
      }
    };
  }
}

async function sequence<T>(count: number, make: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < count; i++) results.push(await make());
  return results;
}
