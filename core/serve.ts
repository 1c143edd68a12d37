/**
 * The worker side of the pool: it loads the task module it is told to, then
 * runs the tasks it is sent, one message per result.
 *
 * @module
 */

import { SharedChannel } from "./pool/channel.ts";
import type { ThreadTimes } from "./adapter.ts";
import { type FromWorker, type Outcome, type SerializedError, serializeError, type Span, type ToWorker, type Wake } from "./protocol.ts";

/** How a worker or child process talks to the pool that started it. */
export interface ParentPort {
  /** Sends one message to the pool. */
  post(message: FromWorker): void;
  /** Calls `onMessage` with each message from the pool. */
  listen(onMessage: (message: ToWorker) => void): void;
  /**
   * Takes the next message waiting on a port now, without the event loop
   * (`receiveMessageOnPort` of `node:worker_threads`); worker threads only.
   */
  receive?(port: MessagePort): { message: unknown } | undefined;
  /** Bytes of JavaScript heap this worker uses now, for a pool that recycles workers past a limit. */
  heapUsed?(): number;
  /**
   * Opens this thread's own clocks (time on a CPU, time waiting for one), for
   * a pool that records each task's span; `undefined` where there are none.
   */
  openThreadClock?(): (() => ThreadTimes) | undefined;
}

/** A loaded task module: its exports, some of which are task functions. */
export type TaskModule = Record<string, unknown>;

/**
 * Serves tasks on a port until the worker is terminated: `init` loads the
 * task module and answers `ready`; each `run` calls the named export and
 * answers `done` or `fail`.
 *
 * @param port The connection to the pool.
 * @param load Loads the task module; dynamic `import()` by default.
 */
export function serveTasks(
  port: ParentPort,
  load: (specifier: string) => Promise<TaskModule> = (specifier) => import(specifier),
): void {
  let tasks: TaskModule | undefined;
  let wake: Wake | undefined;
  /** With a wake channel: the shared memory that plain-data tasks and answers travel through. */
  let shared: SharedChannel | undefined;
  /** With a heap limit: bytes past which this worker tells the pool, once. */
  let heapLimit: number | undefined;
  /** With `spans`: times each call, and the answer carries its span. */
  let timed: Timed | undefined;
  const find = (fn: string): Task => {
    const task = tasks?.[fn];
    if (typeof task !== "function") throw new TypeError(`Cannot run task: the task module has no function "${fn}"`);
    return task as Task;
  };
  // One message at a time, as one task at a time: an async task holds the worker until it settles.
  let turn: Promise<unknown> = Promise.resolve();
  let queued = 0;
  const accept = (message: ToWorker) => {
    // Busy: the pool need not ring for what it writes to the channel; this worker looks before it sleeps.
    if (queued++ === 0) shared?.watch(true);
    // A turn that fails (its answer could not be posted at all) must not stop the turns after it.
    turn = turn.then(() => handle(message)).catch(reportLost).then(afterTurn);
  };
  const afterTurn = () => {
    if (heapLimit !== undefined) checkHeap(heapLimit);
    if (--queued === 0 && wake !== undefined) spin(wake);
  };
  const checkHeap = (limit: number) => {
    const used = port.heapUsed?.();
    if (used === undefined || used <= limit) return;
    heapLimit = undefined;
    port.post({ t: "heap", used });
  };
  /** Sends an answer: plain data through shared memory (ringing for the pool if it is not watching), the rest as a message. */
  const answer = (message: FromWorker) => {
    if (!shared?.send(message, () => port.post({ t: "poll" }))) port.post(message);
  };
  /** Posts an answer, or if it cannot be sent (a function; a BigInt to a child), what `instead` makes of the error. */
  const reply = (message: FromWorker, instead: (error: SerializedError) => FromWorker) => {
    try {
      answer(message);
    } catch (error) {
      answer(instead(serializeError(error)));
    }
  };
  /** The signals of the abortable tasks running or waiting here, by task id. */
  const aborts = new Map<number, AbortController>();
  const listen = (message: ToWorker) => {
    if (message.t === "init") handle(message);
    else if (message.t === "poll") receiveShared();
    // An abort cannot wait its turn: the task it aborts holds the turn.
    else if (message.t === "abort") aborts.get(message.id)?.abort(new DOMException("The task was aborted by its caller", "AbortError"));
    else accept(message);
  };
  port.listen(listen);

  /** Idle: watch the counter for a while, and take a task that comes meanwhile without waiting to be woken. */
  function spin({ counter, port: tasksPort, spinMicros }: Wake): void {
    const seen = Atomics.load(counter, 0);
    if (receiveAll(tasksPort)) return;
    const until = performance.now() + spinMicros / 1000;
    while (Atomics.load(counter, 0) === seen && performance.now() < until);
    if (receiveAll(tasksPort)) return;
    // Going to sleep: say so first, then look once more, so a task written meanwhile is either seen now or rung for.
    shared?.watch(false);
    receiveAll(tasksPort);
  }

  function receiveAll(from: MessagePort): boolean {
    let received = receiveShared();
    if (port.receive === undefined) return received;
    for (let entry = port.receive(from); entry !== undefined; entry = port.receive(from)) {
      accept(entry.message as ToWorker);
      received = true;
    }
    return received;
  }

  function receiveShared(): boolean {
    let received = false;
    for (let message = shared?.read(); message !== undefined; message = shared!.read()) {
      accept(message as ToWorker);
      received = true;
    }
    return received;
  }

  function handle(message: ToWorker): Promise<unknown> | undefined {
    switch (message.t) {
      case "init":
        heapLimit = message.heapLimit;
        if (message.spans) timed = timeCalls(port.openThreadClock?.());
        if (message.wake !== undefined) {
          wake = message.wake;
          if (wake.shared !== undefined) shared = new SharedChannel("worker", wake.shared);
          wake.port.addEventListener("message", (event) => listen(event.data as ToWorker));
          wake.port.start();
        }
        load(message.module).then(
          (module) => {
            tasks = module;
            port.post({ t: "ready" });
          },
          (error) => port.post({ t: "init-fail", error: serializeError(error) }),
        );
        return;
      case "run": {
        const { id, fn, arg } = message;
        let span: Span | undefined;
        const fail = (error: SerializedError): FromWorker => span ? { t: "fail", id, error, span } : { t: "fail", id, error };
        const controller = message.abortable ? new AbortController() : undefined;
        if (controller) aborts.set(id, controller);
        const call = () => controller ? (find(fn) as AbortableTask)(arg, { signal: controller.signal }) : invoke(find(fn), arg);
        return new Promise((resolve) => resolve(timed ? timed(call, (s) => (span = s)) : call())).then(
          (value) => reply(span ? { t: "done", id, value, span } : { t: "done", id, value }, fail),
          (error) => answer(fail(serializeError(error))),
        ).finally(() => aborts.delete(id));
      }
      case "abort":
      case "poll":
        return;
      case "batch": {
        const spans: Span[] = [];
        const call = (i: number) => invoke(find(message.tasks[i]![1]), message.tasks[i]![2]);
        const results = (outcomes: Outcome[]): [number, ...Outcome, Span?][] =>
          outcomes.map((outcome, i) => timed ? [message.tasks[i]![0], ...outcome, spans[i]] : [message.tasks[i]![0], ...outcome]);
        return runInTurn(message.tasks.length, timed ? (i) => timed!(() => call(i), (span) => (spans[i] = span)) : call).then((outcomes) =>
          reply({ t: "batch-done", results: results(outcomes) }, () => ({ t: "batch-done", results: results(rejectUnsendable(outcomes)) }))
        );
      }
      case "map": {
        const { id, fn, args } = message;
        let span: Span | undefined;
        const done = (value: Outcome[]): FromWorker => span ? { t: "done", id, value, span } : { t: "done", id, value };
        const chunk = () => runInTurn(args.length, (i) => invoke(find(fn), args[i]));
        return (timed ? timed(chunk, (s) => (span = s)) as Promise<Outcome[]> : chunk()).then((value) =>
          reply(done(value), () => done(rejectUnsendable(value)))
        );
      }
    }
  }
}

type Task = (arg: unknown) => unknown;

/** Calls `call`, and hands `record` its span once it has returned or settled. */
type Timed = (call: () => unknown, record: (span: Span) => void) => unknown;

/**
 * Times calls: when each began and ended, on the clock every thread and
 * process of the machine shares, and where the thread can read its own
 * clocks, its time on a CPU and waiting for one in between (read outside the
 * wall-clock span, so the reads cost the task nothing it is charged for).
 */
function timeCalls(clock: (() => ThreadTimes) | undefined): Timed {
  const origin = performance.timeOrigin;
  return (call, record) => {
    const before = clock?.();
    const start = origin + performance.now();
    const end = () => {
      const stop = origin + performance.now();
      const after = clock?.();
      record(before && after ? [start, stop, after.cpuMs - before.cpuMs, after.waitMs - before.waitMs] : [start, stop]);
    };
    let value: unknown;
    try {
      value = call();
    } catch (error) {
      end();
      throw error;
    }
    if (!(value instanceof Promise)) {
      end();
      return value;
    }
    return value.finally(end);
  };
}
type AbortableTask = (arg: unknown, context: { signal: AbortSignal }) => unknown;

/**
 * The outcomes of a batch whose answer could not be sent, each value that
 * cannot be cloned turned into its task's error: the others still arrive.
 */
function rejectUnsendable(outcomes: Outcome[]): Outcome[] {
  return outcomes.map((outcome): Outcome => {
    if (outcome[0] === 0) return outcome;
    try {
      structuredClone(outcome[1]);
      return outcome;
    } catch (error) {
      return [0, serializeError(error)];
    }
  });
}

/** An answer that could not be posted at all: the port is gone; say so where a person can see it. */
function reportLost(error: unknown): void {
  console.error(`truepar worker: an answer could not be sent: ${error instanceof Error ? error.message : String(error)}`);
}

/** The one place a task is called. */
function invoke(task: Task, arg: unknown): unknown {
  return task(arg);
}

// Two targets make the call in `invoke` megamorphic before any task runs, so
// an optimizing compiler never inlines a task into the worker's loop: V8's
// Maglev (Deno) did, and its copy of a 50 µs loop ran 1.8x slower than the
// task's own optimized code.
for (let i = 0; i < 64; i++) invoke(i % 2 === 0 ? Number : String, i);

/**
 * Runs `count` calls one after another, so a worker still runs one task at a
 * time: synchronous calls back to back, in a plain loop (an async function
 * around the hot loop cost Bun about 10% per call here), and from the first
 * call that returns a promise on, each awaited.
 */
function runInTurn(count: number, call: (index: number) => unknown): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(count);
  for (let i = 0; i < count; i++) {
    try {
      const value = call(i);
      if (value instanceof Promise) return finishInTurn(outcomes, i, value, count, call);
      outcomes[i] = [1, value];
    } catch (error) {
      outcomes[i] = [0, serializeError(error)];
    }
  }
  return Promise.resolve(outcomes);
}

async function finishInTurn(outcomes: Outcome[], from: number, pending: Promise<unknown>, count: number, call: (index: number) => unknown): Promise<Outcome[]> {
  for (let i = from; i < count; i++) {
    try {
      outcomes[i] = [1, await (i === from ? pending : call(i))];
    } catch (error) {
      outcomes[i] = [0, serializeError(error)];
    }
  }
  return outcomes;
}
