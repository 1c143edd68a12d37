/**
 * How a child process is ended, on every runtime: SIGTERM, then SIGKILL if
 * it is still there after a grace period; and how long a child whose stdout
 * has ended may take to exit by itself before it is taken for dead.
 *
 * @module
 */

/** How long a child has to exit after SIGTERM before SIGKILL. */
export const KILL_GRACE_MS = 2000;
/** How long a child whose stdout has ended may take to exit by itself before it is taken for dead. */
export const STDOUT_GRACE_MS = 100;
/** Why a child that closed its stdout was killed. */
export const STDOUT_CLOSED = "it closed its stdout, the channel it answers on, and was killed";

/**
 * Ends a child: SIGTERM now, SIGKILL after {@linkcode KILL_GRACE_MS}.
 *
 * @param kill Sends a signal; must not throw for a child already gone.
 * @param closed Settles once the child is gone.
 * @returns Once it is gone.
 */
export async function endWithGrace(
  kill: (signal: "SIGTERM" | "SIGKILL") => void,
  closed: Promise<unknown>,
): Promise<void> {
  kill("SIGTERM");
  const timer = setTimeout(() => kill("SIGKILL"), KILL_GRACE_MS);
  await closed;
  clearTimeout(timer);
}

/**
 * After a child's stdout ends: unless the child exits by itself within
 * {@linkcode STDOUT_GRACE_MS}, it can never answer again, so it is killed.
 *
 * @param gone Whether the child has exited, or is being ended.
 * @param kill Kills it, and notes why.
 */
export function killIfDeaf(gone: () => boolean, kill: () => void): void {
  setTimeout(() => {
    if (!gone()) kill();
  }, STDOUT_GRACE_MS);
}
