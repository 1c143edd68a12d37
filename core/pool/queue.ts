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
  #items: T[] = [];
  #head = 0;

  /** Tasks queued, some perhaps settled already (aborted). */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Adds a task at the end. */
  push(task: T): void {
    this.#items.push(task);
  }

  /** The first unsettled task, left in the queue. */
  peek(): T | undefined {
    while (this.#head < this.#items.length && this.#items[this.#head]!.settled) this.#head++;
    return this.#items[this.#head];
  }

  /** Takes the first unsettled task. */
  shift(): T | undefined {
    const task = this.peek();
    if (task === undefined) return undefined;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return task;
  }

  /** Takes every unsettled task. */
  drain(): T[] {
    const tasks = this.#items.slice(this.#head).filter((task) => !task.settled);
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
