/**
 * The pool's queue: first in, first out, with tasks settled while queued
 * (aborted) skipped rather than searched for.
 *
 * @module
 */

/** What the queue needs of a task. */
export interface Queued {
  /** Settled while it waited: skip it. */
  settled?: boolean;
}

/** A first-in, first-out queue; a task settled while queued is skipped, not searched for. */
export class TaskQueue<T extends Queued> implements Iterable<T> {
  /** Tasks from `#head` on; the slots before it are emptied, so a task taken is not kept alive by the queue (with its argument, and through its promise its result). */
  #items: (T | undefined)[] = [];
  #head = 0;

  /** Tasks queued, some perhaps settled already (aborted). */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Adds a task at the end. */
  push(task: T): void {
    this.#items.push(task);
  }

  /** Puts tasks back at the head, in the order given, ahead of every task queued. */
  unshift(tasks: readonly T[]): void {
    if (tasks.length === 0) return;
    if (this.#head >= tasks.length) {
      this.#head -= tasks.length;
      tasks.forEach((task, i) => (this.#items[this.#head + i] = task));
    } else {
      this.#items = [...tasks, ...this.#items.slice(this.#head)];
      this.#head = 0;
    }
  }

  /** The first unsettled task, left in the queue. */
  peek(): T | undefined {
    while (this.#head < this.#items.length && this.#items[this.#head]!.settled) this.#items[this.#head++] = undefined;
    return this.#items[this.#head];
  }

  /** Takes the first unsettled task. */
  shift(): T | undefined {
    const task = this.peek();
    if (task === undefined) return undefined;
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return task;
  }

  /** Takes every unsettled task. */
  drain(): T[] {
    const tasks = (this.#items.slice(this.#head) as T[]).filter((task) => !task.settled);
    this.#items = [];
    this.#head = 0;
    return tasks;
  }

  /** The unsettled tasks in order, read lazily and left in the queue. */
  *[Symbol.iterator](): Iterator<T> {
    for (let i = this.#head; i < this.#items.length; i++) {
      if (!this.#items[i]!.settled) yield this.#items[i]!;
    }
  }
}

/** What the priority queue needs of a task. */
export interface Prioritized extends Queued {
  /** Higher runs first; equal priorities run in the order they came. */
  priority: number;
}

/** Tasks by priority, highest first, each priority first in, first out. */
export class PriorityQueue<T extends Prioritized> implements Iterable<T> {
  #byPriority = new Map<number, TaskQueue<T>>();
  /** The queues, highest priority first: most pools use one priority, so this is one queue. */
  #queues: TaskQueue<T>[] = [];

  /** Tasks queued, some perhaps settled already (aborted). */
  get length(): number {
    let length = 0;
    for (const queue of this.#queues) length += queue.length;
    return length;
  }

  /** Adds a task behind those of its priority. */
  push(task: T): void {
    this.#queueOf(task.priority).push(task);
  }

  #queueOf(priority: number): TaskQueue<T> {
    let queue = this.#byPriority.get(priority);
    if (queue === undefined) {
      queue = new TaskQueue<T>();
      this.#byPriority.set(priority, queue);
      this.#queues = [...this.#byPriority].sort(([a], [b]) => b - a).map(([, q]) => q);
    }
    return queue;
  }

  /** Puts tasks back at the head of their priority's queue, in the order given: tasks a dead worker had not started. */
  unshift(tasks: readonly T[]): void {
    for (const priority of new Set(tasks.map((task) => task.priority))) {
      this.#queueOf(priority).unshift(tasks.filter((task) => task.priority === priority));
    }
  }

  /** The first unsettled task of the highest priority, left in the queue. */
  peek(): T | undefined {
    for (let i = 0; i < this.#queues.length; i++) {
      const task = this.#queues[i]!.peek();
      if (task !== undefined) return task;
    }
    return undefined;
  }

  /** Takes the first unsettled task of the highest priority. */
  shift(): T | undefined {
    for (let i = 0; i < this.#queues.length; i++) {
      const task = this.#queues[i]!.shift();
      if (task !== undefined) return task;
    }
    return undefined;
  }

  /** Takes every unsettled task. */
  drain(): T[] {
    return this.#queues.flatMap((queue) => queue.drain());
  }

  /** The unsettled tasks in the order they will go, read lazily. */
  [Symbol.iterator](): Iterator<T> {
    // One priority (most pools): its queue's own iterator, with no generator around it.
    return this.#queues.length === 1 ? this.#queues[0]![Symbol.iterator]() : this.#all();
  }

  *#all(): Generator<T> {
    for (const queue of this.#queues) yield* queue;
  }
}
