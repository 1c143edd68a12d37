/**
 * Imported before uvu in a page: uvu waits to be run (`exec()`), rather than
 * run its suites on a timer, and what it writes is kept for the driver.
 *
 * @module
 */

const scope = globalThis as unknown as {
  UVU_DEFER: number;
  UVU_QUEUE: unknown[][];
  UVU_INDEX: number;
  uvuOutput: string[];
};
scope.UVU_DEFER = 1;
scope.UVU_QUEUE = [["chromium"]];
scope.UVU_INDEX = 0;
scope.uvuOutput = [];
console.log = (...parts: unknown[]) => void scope.uvuOutput.push(parts.join(" "));
