import { RUNTIME } from "./_guard.ts";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { DEEP_QUEUE, MAX_BATCH, planDispatch, type TaskShape, type WorkerState } from "../core/pool/plan.ts";
import { TaskQueue } from "../core/pool/queue.ts";

const test = suite(`${RUNTIME}: the dispatch planner`);

const idle = (): WorkerState => ({ ready: true, exclusive: false, inFlight: 0, holding: 0 });
const plain = (n: number): TaskShape[] => Array.from({ length: n }, () => ({ exclusive: false, chunk: false }));
const exclusive: TaskShape = { exclusive: true, chunk: false };
const chunk: TaskShape = { exclusive: false, chunk: true };

test("breadth first: every idle worker gets a message before any gets a second", () => {
  assert.equal(planDispatch([idle(), idle(), idle()], plain(4), 4), [
    { worker: 0, count: 1 },
    { worker: 1, count: 1 },
    { worker: 2, count: 1 },
    { worker: 0, count: 1 },
  ]);
});

test("at most two messages per worker; the rest waits in the queue", () => {
  const sends = planDispatch([idle(), idle()], plain(6), 6);
  assert.equal(sends.map((s) => s.worker), [0, 1, 0, 1]);
  assert.is(sends.reduce((n, s) => n + s.count, 0), 4);
});

test("a long queue travels in batches, each at most an eighth of a worker's share and 64 tasks", () => {
  assert.equal(planDispatch([idle(), idle()], plain(160), 160).map((s) => s.count), [10, 10, 10, 10]);
  assert.ok(planDispatch([idle()], plain(100_000), 100_000).every((s) => s.count === MAX_BATCH));
});

test("short tasks: batches split the queue over the messages the workers may take now, up to 64 tasks", () => {
  assert.equal(planDispatch([idle(), idle()], plain(100), 100, { short: true }).map((s) => s.count), [25, 25, 25, 25]);
  // One worker holding a message: its second takes the whole queue, up to 64; long tasks would go one by one.
  const holding = { ...idle(), inFlight: 1, holding: 1 };
  assert.equal(planDispatch([holding], plain(9), 9, { short: true }), [{ worker: 0, count: 9 }]);
  assert.equal(planDispatch([holding], plain(9), 9), [{ worker: 0, count: 1 }]);
  assert.equal(planDispatch([idle()], plain(1000), 1000, { short: true }).map((s) => s.count), [MAX_BATCH, MAX_BATCH]);
});

test("maxBusy: an idle worker takes nothing while that many hold messages, and those hold one at most unless the queue is deep", () => {
  const holding = { ...idle(), inFlight: 1, holding: 1 };
  // Kept on one worker: what it cannot take stays queued, where another worker may still take it later.
  assert.equal(planDispatch([holding, idle()], plain(10), 10, { short: true, maxBusy: 1 }), []);
  assert.equal(planDispatch([idle(), idle()], plain(10), 10, { short: true, maxBusy: 1 }), [{ worker: 0, count: 10 }]);
  // A deep queue: the busy worker may take a second message, the idle one still nothing.
  const deep = DEEP_QUEUE + 1;
  assert.equal(planDispatch([holding, idle()], plain(deep), deep, { short: true, maxBusy: 1 }), [{
    worker: 0,
    count: MAX_BATCH,
  }]);
  assert.equal(planDispatch([idle(), idle()], plain(deep), deep, { short: true, maxBusy: 1 }).map((s) => s.worker), [
    0,
    0,
  ]);
  // An exclusive task still goes to a worker holding nothing.
  assert.equal(planDispatch([holding, idle()], [exclusive, ...plain(2)], 3, { maxBusy: 1 }), [{ worker: 1, count: 1 }]);
  // As many allowed as there are workers: the plan is the usual one.
  assert.equal(
    planDispatch([holding, idle()], plain(4), 4, { maxBusy: 2 }),
    planDispatch([holding, idle()], plain(4), 4),
  );
});

test("an exclusive task goes alone to a worker holding nothing, and that worker gets nothing more", () => {
  const busy = { ...idle(), inFlight: 1, holding: 3 };
  // The busy worker takes the next plain task as its second message; the exclusive one's worker takes nothing more.
  assert.equal(planDispatch([busy, idle()], [exclusive, ...plain(2)], 3), [{ worker: 1, count: 1 }, {
    worker: 0,
    count: 1,
  }]);
  assert.equal(planDispatch([busy], [exclusive], 1), []);
});

test("a batch stops before an exclusive task or a chunk; a chunk goes alone", () => {
  const sends = planDispatch([idle(), idle()], [...plain(20), exclusive], 21);
  assert.equal(sends[0], { worker: 0, count: 1 });
  assert.equal(planDispatch([idle()], [chunk, chunk], 2), [{ worker: 0, count: 1 }, { worker: 0, count: 1 }]);
});

test("workers not ready, or exclusive, or full are skipped; an empty queue plans nothing", () => {
  const starting = { ...idle(), ready: false };
  const alone = { ...idle(), exclusive: true, inFlight: 1, holding: 1 };
  const full = { ...idle(), inFlight: 2, holding: 2 };
  assert.equal(planDispatch([starting, alone, full], plain(5), 5), []);
  assert.equal(planDispatch([idle()], [], 0), []);
});

test("the planner reads the queue only as far as it sends, and skips tasks settled while queued", () => {
  const queue = new TaskQueue<TaskShape & { settled?: boolean; id: number }>();
  for (let id = 0; id < 5; id++) queue.push({ id, exclusive: false, chunk: false });
  [...queue][1]!.settled = true;
  assert.equal([...queue].map((t) => t.id), [0, 2, 3, 4]);
  let read = 0;
  const counting = {
    *[Symbol.iterator]() {
      for (const t of queue) {
        read++;
        yield t;
      }
    },
  };
  planDispatch([idle()], counting, queue.length);
  assert.ok(read <= 3, `read ${read}`);
  assert.equal([queue.shift()!.id, queue.shift()!.id], [0, 2]);
});

test.run();
