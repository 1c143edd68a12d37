/**
 * The worker side of the pool: it loads the task module it is told to, then
 * runs the tasks it is sent, one message per result.
 *
 * @module
 */

import { type FromWorker, serializeError, type ToWorker } from "./protocol.ts";

/** How a worker or child process talks to the pool that started it. */
export interface ParentPort {
  /** Sends one message to the pool. */
  post(message: FromWorker): void;
  /** Calls `onMessage` with each message from the pool. */
  listen(onMessage: (message: ToWorker) => void): void;
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
  port.listen((message) => {
    if (message.t === "init") {
      load(message.module).then(
        (module) => {
          tasks = module;
          port.post({ t: "ready" });
        },
        (error) => port.post({ t: "init-fail", error: serializeError(error) }),
      );
      return;
    }
    const { id, fn, arg } = message;
    const task = tasks?.[fn];
    if (typeof task !== "function") {
      const error = new TypeError(`Cannot run task: the task module has no function "${fn}"`);
      port.post({ t: "fail", id, error: serializeError(error) });
      return;
    }
    new Promise((resolve) => resolve(task(arg))).then(
      (value) => port.post({ t: "done", id, value }),
      (error) => port.post({ t: "fail", id, error: serializeError(error) }),
    );
  });
}
