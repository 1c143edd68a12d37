/**
 * The worker side of the postMessage lock: the usual alternative to an Atomics
 * mutex, where a worker asks the main thread for the lock and waits for its answer.
 *
 * @module
 */

/** Acquires and releases the lock through `port`, `pairs` times, adding 1 to a counter each time it holds it. */
export async function lockByMessage(
  { port, pairs, counter }: { port: MessagePort; pairs: number; counter: SharedArrayBuffer },
): Promise<void> {
  const cells = new Int32Array(counter);
  let granted: () => void = () => {};
  port.onmessage = () => granted();
  for (let i = 0; i < pairs; i++) {
    const grant = new Promise<void>((resolve) => (granted = resolve));
    port.postMessage("acquire");
    await grant;
    cells[0]!++;
    port.postMessage("release");
  }
  port.close();
}
