/**
 * What JSON carries exactly, for the transports that send plain data as JSON
 * (a child's frames, the latency mode's shared memory).
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
