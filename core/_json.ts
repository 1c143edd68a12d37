/**
 * What JSON carries exactly, for the transports that send plain data as JSON
 * (a child's frames, the latency mode's shared memory), and a walk over such
 * data (a browser's page and its driver rewrite what crosses between them).
 *
 * @module
 */

/**
 * Whether JSON carries a value that is not an object exactly: strings,
 * booleans and finite numbers other than -0 it does; `undefined`, BigInt,
 * symbols, functions, NaN, the infinities and -0 it does not.
 *
 * @param value Any value but an object.
 * @returns Whether JSON gives it back as it was.
 */
export function jsonScalar(value: unknown): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    default:
      return false;
  }
}

/**
 * A copy of plain data with some of its values replaced: `replace` sees each
 * value from the top down; where it returns `undefined`, an array or a plain
 * object is copied with its members walked, and anything else is kept.
 *
 * @param value Arrays, objects and scalars.
 * @param replace The replacement of a value, or `undefined` to keep walking.
 * @returns The copy.
 */
export function mapJson(value: unknown, replace: (value: unknown) => unknown): unknown {
  const replaced = replace(value);
  if (replaced !== undefined) return replaced;
  if (Array.isArray(value)) return value.map((item) => mapJson(item, replace));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapJson(v, replace)]));
  }
  return value;
}
