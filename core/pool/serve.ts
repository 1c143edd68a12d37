/**
 * The worker side of the pool: it loads the task module it is told to, then
 * runs the tasks it is sent, one message at a time, and keeps the pool able
 * to tell, if it dies, which task was running and which answers it had:
 *
 * - a worker thread writes the task (and a map item) it starts into shared
 *   memory the pool reads after an exit (`init.journal`);
 * - a child process says which task it starts when it begins a message, in
 *   the same write as the answers before it, and says it again, exactly,
 *   before it waits on an awaited task and when it ends by its own hand;
 * - answers a message holds (a batch's, a map chunk's) go to the pool when the
 *   message ends, before the worker waits on an awaited task, and when the
 *   worker ends by its own hand (its runtime's exit call).
 *
 * @module
 */

import type { ThreadTimes } from "../adapter.ts";
import { BY_PORT, SharedChannel, withCopiesMoved } from "./channel.ts";
import {
  type FromWorker,
  JOURNAL,
  type Outcome,
  type SerializedError,
  serializeError,
  type Span,
  type ToWorker,
  type Wake,
} from "./protocol.ts";

/** How a worker or child process talks to the pool that started it. */
export interface ParentPort {
  /** Sends one message to the pool, moving what `transfer` lists (worker threads; a child's port has no transfer). */
  post(message: FromWorker, transfer?: ArrayBuffer[]): void;
  /** Calls `onMessage` with each message from the pool. */
  listen(onMessage: (message: ToWorker) => void): void;
  /** Bytes of JavaScript heap this worker uses now, for a pool that recycles workers past a limit. */
  heapUsed?(): number;
  /**
   * Opens this thread's own clocks (time on a CPU, time waiting for one), for
   * a pool that records each task's span; `undefined` where there are none.
   */
  openThreadClock?(): (() => ThreadTimes) | undefined;
  /** Calls `hook` when this worker is about to end by its own hand (its runtime's exit call): its last chance to say what it holds. */
  onExit?(hook: () => void): void;
  /**
   * Child processes: turns a message into the bytes that carry it (and throws
   * for what cannot be sent); `write` sends such bytes, several at once in one
   * write. Such a port holds its answers for its next write, and says which
   * task it starts when a message begins (worker threads say it in shared memory).
   */
  frames?: { encode(message: FromWorker): Uint8Array; write(frames: readonly Uint8Array[]): void };
}

/** A loaded task module: its exports, some of which are task functions. */
export type TaskModule = Record<string, unknown>;

/**
 * Serves tasks on a port until the worker is terminated: `init` loads the
 * task module and answers `ready`; each `run` calls the named export and
 * answers `done` or `fail`; a `batch` or a `map` chunk runs its calls one
 * after another and answers them together.
 *
 * @param port The connection to the pool.
 * @param load Loads the task module; dynamic `import()` by default.
 */
export function serveTasks(
  port: ParentPort,
  load: (specifier: string) => Promise<TaskModule> = (specifier) => import(specifier),
): void {
  new TaskServer(port, load).listen();
}

type Task = (arg: unknown) => unknown;
type AbortableTask = (arg: unknown, context: { signal: AbortSignal }) => unknown;

/** Calls `call`, and hands `record` its span once it has returned or settled. */
type Timed = (call: () => unknown, record: (span: Span) => void) => unknown;

const { running: RUNNING, item: ITEM, busy: BUSY, taskNs: TASK_NS, timed: TIMED } = JOURNAL;
/**
 * A batch taken for short whose first two tasks each run longer than this,
 * ms, gives back the others: the pool sized it for tasks of under a
 * microsecond. Two, and not less: a thread taken off its core for a moment,
 * or collecting its garbage, must not pass for one running long tasks.
 */
const GIVE_BACK_MS = 0.5;
/** One plain run in this many, taken at once off the ring, is timed for the journal's time per task (a clock read costs as much as the rest of a no-op's run); a power of two. */
const TIME_EVERY = 64;
/** Messages timed per window: the journal's time per task is the least of a window's (a thread taken off its core meanwhile only adds time). */
const TIME_WINDOW = 8;
/** The largest time per task the journal's 32-bit word holds, ns. */
const MAX_TASK_NS = 2 ** 31 - 1;

/** A message being handled: what it has answered so far, for an answer that must go before the message ends. */
interface Progress {
  /** The answers not sent yet, as the messages that carry them; taken, they are the pool's. */
  take(): FromWorker[];
}

/** One worker's server: a small state machine around one message at a time. */
class TaskServer {
  readonly #port: ParentPort;
  readonly #load: (specifier: string) => Promise<TaskModule>;
  #tasks?: TaskModule;
  /** The task module's functions found so far, by name, and the last one asked for. */
  readonly #found = new Map<string, Task>();
  #lastName?: string;
  #lastTask?: Task;
  #wake?: Wake;
  /** With a wake channel: the shared memory that plain-data tasks and answers travel through. */
  #shared?: SharedChannel;
  /** A marker was read whose message has not come by port yet: the ring waits for it (reading stops at that marker). */
  #awaitingPort = false;
  /** Task messages that came by port before their marker was read. */
  readonly #early: ToWorker[] = [];
  /** Rings for the pool when it is not watching the channel (made once, not per answer). */
  readonly #ringPool = (): void => this.#port.post({ t: "poll" });
  /** Worker threads: which task runs now, for the pool to read after an exit, and how long tasks take. */
  #journal?: Int32Array;
  /** The least time per task, ns, of the messages timed in this window, and how many have been. */
  #windowNs = Infinity;
  #windowed = 0;
  /** A window has ended: the journal holds its least. */
  #timedWindow = false;
  /** Plain runs taken off the ring: one in {@linkcode TIME_EVERY} is timed. */
  #runs = 0;
  /** With a heap limit: bytes past which this worker tells the pool, once. */
  #heapLimit?: number;
  /** With `spans`: times each call, and the answer carries its span. */
  #timed?: Timed;
  /** One message at a time, as one task at a time: an async task holds the worker until it settles. */
  #turn: Promise<unknown> = Promise.resolve();
  #queued = 0;
  /** The signals of the abortable tasks running or waiting here, by task id. */
  readonly #aborts = new Map<number, AbortController>();
  /** The message being handled, and what it holds; the task (and map item) running, -1 for none. */
  #progress?: Progress;
  #runningId = -1;
  #runningItem = -1;
  /** Child processes: answers, encoded, held until the next message begins (they go in its write) or the worker waits. */
  #held: Uint8Array[] = [];
  /** Child processes: the task (and item, -1 for none) last said to be running, and whether exactly. */
  #announced?: { id: number; item: number; exact: boolean };

  constructor(port: ParentPort, load: (specifier: string) => Promise<TaskModule>) {
    this.#port = port;
    this.#load = load;
  }

  listen(): void {
    this.#port.listen((message) => this.#listen(message));
    this.#port.onExit?.(() => this.#release(true));
  }

  #listen(message: ToWorker): void {
    if (message.t === "init") this.#init(message);
    else if (message.t === "poll") this.#receiveShared();
    // An abort cannot wait its turn: the task it aborts holds the turn.
    else if (message.t === "abort") {
      this.#aborts.get(message.id)?.abort(new DOMException("The task was aborted by its caller", "AbortError"));
    } else this.#fromPort(message);
  }

  /**
   * A task message that came by port: with a shared-memory channel, its
   * marker on the ring holds its place, so it is taken after the messages
   * written before it and before those written after, whichever way each came.
   */
  #fromPort(message: ToWorker): void {
    if (this.#shared === undefined) return this.#accept(message);
    if (this.#awaitingPort) {
      this.#awaitingPort = false;
      this.#accept(message);
    } else this.#early.push(message);
    this.#receiveShared();
  }

  #accept(message: ToWorker): void {
    // Busy: the pool need not ring for what it writes to the channel; this worker looks before it sleeps.
    if (this.#queued++ === 0) this.#shared?.watch(true);
    // A turn that fails (its answer could not be posted at all) must not stop the turns after it.
    this.#turn = this.#turn.then(() => this.#handle(message)).catch(reportLost).then(() => this.#afterTurn());
  }

  #afterTurn(): void {
    if (this.#heapLimit !== undefined) this.#checkHeap(this.#heapLimit);
    if (--this.#queued > 0) return;
    // Idle: nothing runs, and what is held goes now.
    this.#mark(-1, -1);
    this.#release(false);
    if (this.#wake !== undefined) this.#spin(this.#wake);
  }

  /**
   * Writes to the journal the time tasks take here, from a message's calls
   * just made (`start` to now, their answers not counted: the tasks' own time;
   * batches, map chunks, and one in {@linkcode TIME_EVERY} plain runs taken
   * off the ring: not a task alone in its turn): the least per task of the last
   * {@linkcode TIME_WINDOW} messages timed, and until a window has ended, of
   * those so far. A window whose least is above the journal's after two
   * messages is written at once: tasks that grow longer are said soon,
   * shorter ones only once a window says so. The pool reads it to tell tasks
   * shorter than its own cost per task (which it batches, and keeps on fewer
   * workers) from the rest.
   */
  #noteTime(start: number, tasks: number): void {
    const journal = this.#journal!;
    const ns = ((performance.now() - start) * 1e6) / tasks;
    if (ns < this.#windowNs) this.#windowNs = ns;
    const windowed = ++this.#windowed;
    const least = this.#windowNs;
    if (!this.#timedWindow || windowed >= TIME_WINDOW || (windowed >= 2 && least > journal[TASK_NS]!)) {
      publishTaskNs(journal, least);
    }
    if (windowed >= TIME_WINDOW) this.#beginWindow(true);
  }

  /**
   * A batch taken for short ran long from its first tasks (`ms` each): said
   * at once, and the messages after it are said as they are timed, until a
   * window has ended (the pool counts nothing this worker timed before).
   */
  #gaveBack(ms: number): void {
    publishTaskNs(this.#journal!, ms * 1e6);
    this.#beginWindow(false);
  }

  /** A new window of timed messages; `ended`: one has ended, and the journal says only what windows end with. */
  #beginWindow(ended: boolean): void {
    this.#timedWindow = ended;
    this.#windowNs = Infinity;
    this.#windowed = 0;
  }

  #checkHeap(limit: number): void {
    const used = this.#port.heapUsed?.();
    if (used === undefined || used <= limit) return;
    this.#heapLimit = undefined;
    this.#port.post({ t: "heap", used });
  }

  /**
   * Sends an answer: plain data through shared memory (ringing for the pool if
   * it is not watching), the rest as a message. A child encodes it now (so
   * what cannot be sent throws now) and holds it for its next write.
   */
  #answer(message: FromWorker): void {
    const frames = this.#port.frames;
    if (frames !== undefined) this.#held.push(frames.encode(message));
    else if (this.#shared === undefined) this.#port.post(message);
    else if (!this.#shared.send(message, this.#ringPool)) {
      const moved = withCopiesMoved(message);
      if (moved === undefined) this.#port.post(message);
      else this.#port.post(moved.message, moved.transfer);
    }
  }

  /** A task's value as its answer, or, if the value cannot be sent, the error that says so (a closure fewer per task). */
  #replyDone(id: number, value: unknown): void {
    try {
      this.#answer({ t: "done", id, value });
    } catch (error) {
      this.#answer({ t: "fail", id, error: serializeError(error) });
    }
  }

  /** Posts an answer, or if it cannot be sent (a function; a BigInt to a child), what `instead` makes of the error. */
  #reply(message: FromWorker, instead: (error: SerializedError) => FromWorker): void {
    try {
      this.#answer(message);
    } catch (error) {
      this.#answer(instead(serializeError(error)));
    }
  }

  /**
   * Which task (and map item) runs now. A thread writes it to shared memory
   * at once; a child says it when a message begins (`announce`), in one write
   * with the answers held before it: exactly where the message holds one
   * call, else as where the message began.
   */
  #mark(id: number, item: number, announce?: boolean, exact = false): void {
    this.#runningId = id;
    this.#runningItem = item;
    const journal = this.#journal;
    if (journal !== undefined) {
      // Plain writes, read by the pool only after this thread has ended (which orders them): no fence per task.
      journal[RUNNING] = id + 1;
      journal[ITEM] = item;
    } else if (announce && id >= 0 && this.#port.frames !== undefined) {
      this.#announce(exact);
    }
  }

  /** A child's one write: what it holds, then which task runs now. */
  #announce(exact: boolean): void {
    const frames = this.#port.frames!;
    const id = this.#runningId;
    const item = this.#runningItem;
    const start: FromWorker = { t: "start", id, ...(item >= 0 && { item }), ...(exact && { exact: true as const }) };
    this.#announced = { id, item, exact };
    frames.write([...this.#held.splice(0), frames.encode(start)]);
  }

  /**
   * Sends what is held: the answers of the message in progress, and a
   * child's held answers, with the task running now said exactly. Before the
   * worker waits on an awaited task, and when it ends by its own hand.
   */
  #release(exact: boolean): void {
    const progress = this.#progress;
    if (progress !== undefined) { for (const message of progress.take()) this.#answer(message); }
    const frames = this.#port.frames;
    if (frames === undefined) return;
    const said = this.#announced;
    // Said exactly already, and nothing held: nothing new for the pool.
    const known = said !== undefined && said.exact && said.id === this.#runningId && said.item === this.#runningItem;
    if (exact && this.#runningId >= 0 && !known) this.#announce(true);
    else if (this.#held.length > 0) frames.write(this.#held.splice(0));
  }

  /**
   * Idle: in the latency mode, watch the counter for a while, and take a
   * task that comes meanwhile without waiting to be woken. A plain task that
   * returns at once runs right here, and the watch goes on after it (a round
   * trip with no event loop in it); anything else takes its turn as always,
   * and the watch ends. Out of the latency mode, take what waits and sleep.
   */
  #spin({ counter, spinMicros }: Wake): void {
    for (;;) {
      const seen = Atomics.load(counter, 0);
      const taken = this.#receiveShared(true);
      // A task to run in turn, or one whose message is on its way by port (the event loop brings it): no watch.
      if (this.#queued > 0 || this.#awaitingPort) return;
      // Everything counted by `seen` was taken: unless the count moved meanwhile, watch on without looking again.
      if (taken && Atomics.load(counter, 0) !== seen) continue;
      // No latency mode: no watch at all, straight to sleep.
      if (spinMicros === 0) break;
      // The clock costs as much as a hundred looks at the counter (Deno's, 85 ns): read every 1,024 looks, and the
      // window starts at the first read, so a task that comes back within a few microseconds reads it not at all.
      let until = -1;
      for (let looks = 1; Atomics.load(counter, 0) === seen; looks++) {
        if ((looks & 1023) !== 0) continue;
        const now = performance.now();
        if (until < 0) until = now + spinMicros / 1000;
        else if (now >= until) break;
      }
      if (Atomics.load(counter, 0) === seen) break;
    }
    if (this.#receiveShared(false) || this.#awaitingPort) return;
    // Going to sleep: say so first, then look once more, so a task written meanwhile is either seen now or rung for.
    this.#shared?.watch(false);
    this.#receiveShared(false);
  }

  /** Takes the messages waiting on the ring, in order, up to a marker whose message has not come by port yet. */
  #receiveShared(now = false): boolean {
    const shared = this.#shared;
    if (shared === undefined) return false;
    let received = false;
    while (!this.#awaitingPort) {
      const message = shared.read();
      if (message === undefined) break;
      if (message === BY_PORT) {
        const early = this.#early.shift();
        if (early === undefined) {
          this.#awaitingPort = true;
          break;
        }
        this.#accept(early);
      } else if (!(now && this.#runNow(message as ToWorker))) this.#accept(message as ToWorker);
      received = true;
    }
    return received;
  }

  /**
   * Runs a task now, outside the turns, when nothing else is running or
   * waiting and it is a plain `run` (no signal, no spans): what `#run` does,
   * without the promises around it. One that returns a promise goes on as a
   * turn of its own.
   *
   * @returns Whether it was taken; `false` leaves it to `#accept`.
   */
  #runNow(message: ToWorker): boolean {
    if (message.t !== "run" || message.abortable || this.#queued > 0 || this.#timed !== undefined) return false;
    const { id, fn, arg } = message;
    this.#mark(id, -1, true, true);
    const start = this.#journal !== undefined && (++this.#runs & (TIME_EVERY - 1)) === 0 ? performance.now() : -1;
    let value: unknown;
    let threw = false;
    try {
      value = invokeBusy(this.#journal, this.#find(fn), arg);
    } catch (error) {
      threw = true;
      value = error;
    }
    if (value instanceof Promise && !threw) {
      // An awaited task: a turn like any other, with what is held sent before the worker waits.
      this.#queued++;
      this.#shared?.watch(true);
      this.#release(true);
      this.#turn = value.then(
        (value) => {
          if (start >= 0) this.#noteTime(start, 1);
          this.#replyDone(id, value);
        },
        (error) => {
          if (start >= 0) this.#noteTime(start, 1);
          this.#answer({ t: "fail", id, error: serializeError(error) });
        },
      ).catch(reportLost).then(() => this.#afterTurn());
      return true;
    }
    if (start >= 0) this.#noteTime(start, 1);
    if (threw) this.#answer({ t: "fail", id, error: serializeError(value) });
    else this.#replyDone(id, value);
    if (this.#heapLimit !== undefined) this.#checkHeap(this.#heapLimit);
    this.#mark(-1, -1);
    this.#release(false);
    return true;
  }

  /**
   * The task module's export `fn`, read once per name (as piscina keeps its
   * handlers), the last one found first: a module namespace read by a name
   * that varies takes Node 20's slow path on every read once a worker has
   * called two functions (67–70 ns a read here, against 11 ns for a `Map` and
   * 1–2 ns for a namespace read by one name only; Deno and Bun have no such path).
   */
  #find(fn: string): Task {
    if (fn === this.#lastName) return this.#lastTask!;
    let task = this.#found.get(fn);
    if (task === undefined) {
      const exported = this.#tasks?.[fn];
      if (typeof exported !== "function") {
        throw new TypeError(`Cannot run task: the task module has no function "${fn}"`);
      }
      task = exported as Task;
      this.#found.set(fn, task);
    }
    this.#lastName = fn;
    this.#lastTask = task;
    return task;
  }

  #init(message: Extract<ToWorker, { t: "init" }>): void {
    this.#heapLimit = message.heapLimit;
    if (message.spans) this.#timed = timeCalls(this.#port.openThreadClock?.());
    if (message.journal !== undefined) this.#journal = new Int32Array(message.journal);
    if (message.wake !== undefined) {
      this.#wake = message.wake;
      this.#shared = new SharedChannel("worker", message.wake.shared);
    }
    this.#load(message.module).then(
      (module) => {
        this.#tasks = module;
        this.#port.post({ t: "ready" });
      },
      (error) => this.#port.post({ t: "init-fail", error: serializeError(error) }),
    );
  }

  #handle(message: ToWorker): Promise<unknown> | undefined {
    switch (message.t) {
      case "run":
        return this.#run(message);
      case "batch":
        return this.#batch(message);
      case "map":
        return this.#map(message);
      default:
        return undefined;
    }
  }

  #run(message: Extract<ToWorker, { t: "run" }>): Promise<unknown> {
    const { id, fn, arg } = message;
    let span: Span | undefined;
    const fail = (error: SerializedError): FromWorker =>
      span ? { t: "fail", id, error, span } : { t: "fail", id, error };
    const controller = message.abortable ? new AbortController() : undefined;
    if (controller) this.#aborts.set(id, controller);
    const journal = this.#journal;
    const call = () =>
      controller
        ? invokeBusy(journal, (arg) => (this.#find(fn) as AbortableTask)(arg, { signal: controller.signal }), arg)
        : invokeBusy(journal, this.#find(fn), arg);
    this.#mark(id, -1, true, true);
    let value: unknown;
    try {
      value = this.#timed ? this.#timed(call, (s) => (span = s)) : call();
    } catch (error) {
      value = Promise.reject(error);
    }
    // An awaited task: what is held goes before the worker waits, with this task said to be the one running.
    if (value instanceof Promise) this.#release(true);
    return Promise.resolve(value).then(
      (value) => this.#reply(span ? { t: "done", id, value, span } : { t: "done", id, value }, fail),
      (error) => this.#answer(fail(serializeError(error))),
    ).finally(() => this.#aborts.delete(id));
  }

  #batch(message: Extract<ToWorker, { t: "batch" }>): Promise<unknown> {
    const { ids, fn, args } = message;
    const spans: Span[] = [];
    let sent = 0;
    /** The answers of tasks `from` to `to`, flat as the batch came. */
    const answers = (outcomes: Outcome[], from: number): FromWorker => {
      const to = from + outcomes.length;
      return {
        t: "batch-done",
        ids: ids.slice(from, to),
        ok: outcomes.map((outcome) => outcome[0]),
        values: outcomes.map((outcome) => outcome[1]),
        ...(this.#timed && { spans: spans.slice(from, to) }),
      };
    };
    const outcomes: Outcome[] = [];
    // Answers that must go before the batch ends take those done so far; the rest go at its end.
    this.#progress = {
      take: () => {
        const from = sent;
        sent = outcomes.length;
        return from === sent ? [] : [answers(outcomes.slice(from, sent), from)];
      },
    };
    const timed = this.#timed;
    const call = (i: number) => {
      this.#mark(ids[i]!, -1, i === 0, ids.length === 1);
      const task = this.#find(typeof fn === "string" ? fn : fn[i]!);
      return timed === undefined
        ? invoke(task, args[i])
        : timed(() => invoke(task, args[i]), (span) => (spans[i] = span));
    };
    const start = this.#journal === undefined ? -1 : performance.now();
    // Taken for short: if the first two tasks run long, the others go back, for other workers to take.
    let lastEnd = start;
    let slowFirst = false;
    const ranLong = message.giveBack && start >= 0 && ids.length > 2
      ? (index: number) => {
        const now = performance.now();
        const slow = now - lastEnd > GIVE_BACK_MS;
        lastEnd = now;
        if (index === 0) slowFirst = slow;
        return index === 1 && slowFirst && slow;
      }
      : undefined;
    const ran = runInTurn(ids.length, call, outcomes, () => this.#release(true), ranLong);
    // The calls' own time, their answers not counted: synchronous ones have all ended here.
    const noted = start >= 0 && outcomes.length === ids.length;
    if (noted) this.#noteTime(start, ids.length);
    return ran.then((outcomes) => {
      if (start >= 0 && !noted && outcomes.length === ids.length) this.#noteTime(start, ids.length);
      this.#progress = undefined;
      const rest = outcomes.slice(sent);
      const from = sent;
      if (rest.length > 0) this.#reply(answers(rest, from), () => answers(rejectUnsendable(rest), from));
      if (outcomes.length < ids.length) {
        this.#gaveBack((performance.now() - start) / outcomes.length);
        this.#answer({ t: "returned", ids: ids.slice(outcomes.length) });
      }
    });
  }

  #map(message: Extract<ToWorker, { t: "map" }>): Promise<unknown> {
    const { id, fn, args } = message;
    let span: Span | undefined;
    let sent = 0;
    const outcomes: Outcome[] = [];
    // Items done before the chunk ends go as `items`; the chunk's `done` carries the rest.
    this.#progress = {
      take: () => {
        const from = sent;
        sent = outcomes.length;
        return from === sent ? [] : [{ t: "items", id, from, outcomes: outcomes.slice(from, sent) }];
      },
    };
    const done = (value: Outcome[]): FromWorker => span ? { t: "done", id, value, span } : { t: "done", id, value };
    const chunk = () =>
      runInTurn(
        args.length,
        (i) => {
          this.#mark(id, i, i === 0, args.length === 1);
          return invoke(this.#find(fn), args[i]);
        },
        outcomes,
        () => this.#release(true),
      );
    const start = this.#journal === undefined || args.length === 0 ? -1 : performance.now();
    return (this.#timed ? this.#timed(chunk, (s) => (span = s)) as Promise<Outcome[]> : chunk()).then((value) => {
      if (start >= 0) this.#noteTime(start, args.length);
      this.#progress = undefined;
      const rest = value.slice(sent);
      this.#reply(done(rest), () => done(rejectUnsendable(rest)));
    });
  }
}

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

/** Writes a time per task to the journal, and counts the writing. */
function publishTaskNs(journal: Int32Array, ns: number): void {
  journal[TASK_NS] = Math.min(MAX_TASK_NS, Math.max(1, Math.round(ns)));
  journal[TIMED] = (journal[TIMED]! + 1) | 0;
}

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
  console.error(
    `truepar worker: an answer could not be sent: ${error instanceof Error ? error.message : String(error)}`,
  );
}

/** The one place a task is called. */
function invoke(task: Task, arg: unknown): unknown {
  return task(arg);
}

/** Calls a task with this thread's journal saying it is busy in the task's own code until the call returns. */
function invokeBusy(journal: Int32Array | undefined, task: Task, arg: unknown): unknown {
  if (journal === undefined) return invoke(task, arg);
  journal[BUSY] = 1;
  try {
    return invoke(task, arg);
  } finally {
    journal[BUSY] = 0;
  }
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
 * call that returns a promise on, each awaited, `beforeWait` called first.
 * Outcomes go into `outcomes` as each call ends; when `stopAfter` says so
 * once the first or the second has ended, the calls stop there (fewer
 * outcomes than calls).
 */
function runInTurn(
  count: number,
  call: (index: number) => unknown,
  outcomes: Outcome[],
  beforeWait: () => void,
  stopAfter?: (index: number) => boolean,
): Promise<Outcome[]> {
  for (let i = 0; i < count; i++) {
    try {
      const value = call(i);
      if (value instanceof Promise) return finishInTurn(outcomes, i, value, count, call, beforeWait, stopAfter);
      outcomes[i] = [1, value];
    } catch (error) {
      outcomes[i] = [0, serializeError(error)];
    }
    if (i < 2 && stopAfter?.(i)) break;
  }
  return Promise.resolve(outcomes);
}

async function finishInTurn(
  outcomes: Outcome[],
  from: number,
  pending: Promise<unknown>,
  count: number,
  call: (index: number) => unknown,
  beforeWait: () => void,
  stopAfter?: (index: number) => boolean,
): Promise<Outcome[]> {
  for (let i = from; i < count; i++) {
    try {
      const value = i === from ? pending : call(i);
      if (value instanceof Promise) beforeWait();
      outcomes[i] = [1, await value];
    } catch (error) {
      outcomes[i] = [0, serializeError(error)];
    }
    if (i < 2 && stopAfter?.(i)) break;
  }
  return outcomes;
}
