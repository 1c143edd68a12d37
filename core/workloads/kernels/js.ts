/**
 * The kernels in JavaScript, JIT-compiled: the same arithmetic in the same
 * order as kernels.wat and kernels.c beside it.
 *
 * @module
 */

/**
 * The article's loop over `[start, end)`: the sum of `i` where `i % 2023 == 0`.
 *
 * @param start The first integer.
 * @param end One past the last.
 * @returns The sum (exact below 2^53).
 * @example
 * ```ts
 * import { modsum } from "./js.ts";
 * if (!(modsum(0, 1_000_000) === 247342095)) throw new Error("the example's check failed");
 * ```
 */
export function modsum(start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) {
    if (i % 2023 === 0) sum += i;
  }
  return sum;
}

/**
 * The left Riemann sum of x² over steps `[i0, i1)` of width `dx` from `from`.
 *
 * @param from The left end of the whole interval.
 * @param dx The width of a step.
 * @param i0 The first step.
 * @param i1 One past the last step.
 * @returns `dx * Σ (from + i·dx)²`.
 * @example
 * ```ts
 * import { integrate } from "./js.ts";
 * if (!(Math.abs(integrate(0, 5 / 1e6, 0, 1e6) - 125 / 3) < 1e-3)) throw new Error("the example's check failed");
 * ```
 */
export function integrate(from: number, dx: number, i0: number, i1: number): number {
  let sum = 0;
  for (let i = i0; i < i1; i++) {
    const x = from + i * dx;
    sum += x * x;
  }
  return sum * dx;
}

/**
 * The sum of Mandelbrot escape counts over rows `[y0, y1)` of a grid on
 * [-2, 0.5] × [-1.25, 1.25].
 *
 * @param y0 The first row.
 * @param y1 One past the last row.
 * @param width Points per row.
 * @param height Rows in the whole grid.
 * @param maxIter The most iterations per point.
 * @returns The sum of escape counts: the number of iterations done.
 * @example
 * ```ts
 * import { mandelbrot } from "./js.ts";
 * if (!(mandelbrot(0, 10, 10, 10, 50) > 0)) throw new Error("the example's check failed");
 * ```
 */
export function mandelbrot(y0: number, y1: number, width: number, height: number, maxIter: number): number {
  const dx = 2.5 / width;
  const dy = 2.5 / height;
  let sum = 0;
  for (let y = y0; y < y1; y++) {
    const ci = -1.25 + y * dy;
    for (let x = 0; x < width; x++) {
      const cr = -2 + x * dx;
      let zr = 0;
      let zi = 0;
      let i = 0;
      while (i < maxIter) {
        const zr2 = zr * zr;
        const zi2 = zi * zi;
        if (zr2 + zi2 > 4) break;
        zi = 2 * zr * zi + ci;
        zr = zr2 - zi2 + cr;
        i++;
      }
      sum += i;
    }
  }
  return sum;
}
