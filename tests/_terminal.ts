/**
 * Runs a command in a pseudo-terminal, as a person's shell would, with
 * util-linux's `script`: stdout and stderr are a terminal, and a Ctrl-C typed
 * into it reaches the command as SIGINT from the terminal's line discipline.
 *
 * @module
 */

import { execa } from "execa";

/** What the terminal showed, and how the command ended. */
export interface TerminalRun {
  /** Everything written to the terminal, escape sequences included. */
  screen: string;
  exitCode: number | undefined;
}

/** Options for {@linkcode runInTerminal}. */
export interface TerminalOptions {
  /** Type Ctrl-C once the screen matches this. */
  interruptWhen?: RegExp;
  /** Give up after this long. Default 90 s. */
  timeoutMs?: number;
  cwd?: string | URL;
  /** More environment variables. */
  env?: Record<string, string>;
}

const CTRL_C = "\x03";

/**
 * Runs `argv` in a fresh pseudo-terminal and returns the screen's bytes.
 *
 * @param argv The executable and its arguments.
 * @param options When to type Ctrl-C, and a timeout.
 * @returns The screen and the command's exit code.
 */
export async function runInTerminal(argv: readonly string[], options: TerminalOptions = {}): Promise<TerminalRun> {
  const command = argv.map(shellQuote).join(" ");
  // -e: exit with the command's code; -q: no banner; the log file is not needed.
  const child = execa("script", ["-qec", command, "/dev/null"], {
    reject: false,
    timeout: options.timeoutMs ?? 90_000,
    cwd: options.cwd,
    stdin: "pipe",
    env: { TERM: "xterm-256color", NO_COLOR: "1", COLUMNS: "100", ...options.env },
  });
  let screen = "";
  let typed = false;
  child.stdout!.on("data", (chunk: Uint8Array) => {
    screen += new TextDecoder().decode(chunk);
    if (!typed && options.interruptWhen?.test(screen)) {
      typed = true;
      child.stdin!.write(CTRL_C);
    }
  });
  const result = await child;
  return { screen: screen || String(result.stdout ?? ""), exitCode: result.exitCode };
}

/**
 * Whether the terminal was given back as found: every hidden cursor shown
 * again, every line-wrap switched off switched on again.
 *
 * @param screen The bytes a command wrote to the terminal.
 * @returns The modes it left changed, empty when none.
 */
export function modesLeftChanged(screen: string): string[] {
  const left: string[] = [];
  for (
    const [name, off, on] of [["cursor hidden", "\x1b[?25l", "\x1b[?25h"], [
      "line wrap off",
      "\x1b[?7l",
      "\x1b[?7h",
    ]] as const
  ) {
    if (screen.lastIndexOf(off) > screen.lastIndexOf(on)) left.push(name);
  }
  return left;
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
