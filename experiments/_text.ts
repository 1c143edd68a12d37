/**
 * Text for a terminal: no line wider than it. Every experiment's text and
 * every command's output wraps its long lines here.
 *
 * @module
 */

/** The columns a terminal line may take. */
export const WIDTH = 100;

/**
 * Wraps a line to a width: at its `·` separators where it has them, else
 * between words, the continuation indented under the line's own indent.
 *
 * @param line The line.
 * @param width The columns.
 * @returns The line, with newlines where it wraps.
 * @example
 * ```ts
 * import { wrapLine } from "./_text.ts";
 * if (wrapLine("  a · b · c", 8) !== "  a · b\n    · c") throw new Error("the example's check failed");
 * if (wrapLine("one two three", 8) !== "one two\n  three") throw new Error("the example's check failed");
 * ```
 */
export function wrapLine(line: string, width: number): string {
  if (line.length <= width) return line;
  const lead = /^ */.exec(line)![0];
  const indent = lead + "  ";
  const out: string[] = [];
  let current = "";
  line = line.slice(lead.length);
  const add = (piece: string, joint: string) => {
    if (current === "") current = lead + piece;
    else if (current.length + joint.length + piece.length > width) {
      out.push(current);
      current = indent + (joint === " · " ? "· " : "") + piece;
    } else current += joint + piece;
  };
  for (const item of line.split(" · ")) {
    // An item too long for a line of its own breaks between its words.
    if (item.length > width - indent.length - 2) {
      const words = item.split(" ");
      add(words[0]!, current === "" ? "" : " · ");
      for (const word of words.slice(1)) add(word, " ");
    } else add(item, " · ");
  }
  out.push(current);
  return out.join("\n");
}
