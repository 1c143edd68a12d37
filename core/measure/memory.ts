/**
 * Reading memory figures: the parser of Linux's `/proc/<pid>/smaps_rollup`,
 * kept free of file access so it runs anywhere and is tested on fixtures.
 *
 * @module
 */

/** The memory of one process or a set of processes, in bytes. */
export interface MemoryReading {
  /** Resident set size: counts shared pages once per process (the article's figure). */
  rssBytes: number;
  /** Proportional set size: shared pages split among their sharers; `null` where unknown. */
  pssBytes: number | null;
  /** Where the figures came from. */
  source: MemorySource;
}

/** `smaps_rollup`: read from outside via /proc; `memoryUsage`: the runtime's own figure for itself. */
export type MemorySource = "smaps_rollup" | "memoryUsage";

/**
 * Parses the text of `/proc/<pid>/smaps_rollup`.
 *
 * @param text The file's contents.
 * @returns RSS and PSS in bytes.
 * @throws {SyntaxError} When the text has no `Rss:` or `Pss:` line.
 * @example
 * ```ts
 * import { parseSmapsRollup } from "./memory.ts";
 * const text = "00400000-7ffd [rollup]\nRss:  2048 kB\nPss:  1024 kB\n";
 * if (!(parseSmapsRollup(text).pssBytes === 1024 * 1024)) throw new Error("the example's check failed");
 * ```
 */
export function parseSmapsRollup(text: string): { rssBytes: number; pssBytes: number } {
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(text);
    if (match === null) {
      throw new SyntaxError(
        `Cannot parse smaps_rollup: no "${name}:" line, received ${JSON.stringify(text.slice(0, 80))}`,
      );
    }
    return Number(match[1]) * 1024;
  };
  return { rssBytes: field("Rss"), pssBytes: field("Pss") };
}

/**
 * Adds up the readings of several processes.
 *
 * @param readings One reading per process, all from one source.
 * @returns Their sum; PSS is `null` if any is.
 */
export function sumReadings(readings: readonly MemoryReading[]): MemoryReading {
  return {
    rssBytes: readings.reduce((sum, r) => sum + r.rssBytes, 0),
    pssBytes: readings.some((r) => r.pssBytes === null) ? null : readings.reduce((sum, r) => sum + r.pssBytes!, 0),
    source: readings[0]?.source ?? "smaps_rollup",
  };
}
