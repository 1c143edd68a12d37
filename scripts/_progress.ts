/**
 * The progress bar the scripts draw on stderr when it is a terminal, over
 * cli-progress. It hides the cursor and turns line wrap off while it draws,
 * so every way out (the end, an error, Ctrl-C) must go through `stop()`.
 *
 * @module
 */

import process from "node:process";
import cliProgress from "cli-progress";

/** Options for {@linkcode createProgress}. */
export interface ProgressOptions {
  /** cli-progress's format, with `{unit}` or `{cell}` payloads. */
  format: string;
  /** Samples in the ETA's moving average. */
  etaBuffer?: number;
}

/** A bar that starts on its first update and can be stopped any number of times. */
export interface Progress {
  /** Moves the bar, starting it if it was not drawn yet. */
  update(done: number, total: number, payload?: Record<string, string>): void;
  /** Clears the bar and gives the terminal back as it was: cursor shown, line wrap on. */
  stop(): void;
}

/**
 * Creates a progress bar on stderr, or nothing when stderr is not a terminal.
 *
 * @param options The bar's format.
 * @returns The bar, or `undefined` when stderr is piped or redirected.
 */
export function createProgress(options: ProgressOptions): Progress | undefined {
  if (!process.stderr.isTTY) return undefined;
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: options.format,
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: options.etaBuffer ?? 10,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(done, total, payload = {}) {
      if (!started) bar.start(total, 0, payload);
      started = true;
      bar.setTotal(total);
      bar.update(done, payload);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

/**
 * Ends quietly when stdout's reader goes away (`… | head`): the output was
 * wanted only so far, as for any Unix tool, so no stack trace.
 */
export function exitQuietlyOnClosedPipe(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(0);
  });
}
