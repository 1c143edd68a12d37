/*
 * truepar's kernels in C: the physical-limit row. The same arithmetic in the
 * same order as kernels.wat and js.ts beside it (built with
 * -ffp-contract=off, so no fused multiply-add changes the rounding).
 *
 *   kernels modsum N REPEAT
 *   kernels integrate FROM TO STEPS REPEAT
 *   kernels mandelbrot WIDTH HEIGHT MAXITER REPEAT
 *
 * Prints {"checksum":"...","samplesMs":[...]} on stdout.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double modsum(uint32_t start, uint32_t end) {
  uint64_t sum = 0;
  for (uint32_t i = start; i < end; i++) {
    if (i % 2023 == 0) sum += i;
  }
  return (double)sum;
}

static double integrate(double from, double dx, uint32_t i0, uint32_t i1) {
  double sum = 0;
  for (uint32_t i = i0; i < i1; i++) {
    double x = from + (double)i * dx;
    sum += x * x;
  }
  return sum * dx;
}

static double mandelbrot(uint32_t y0, uint32_t y1, uint32_t width, uint32_t height, uint32_t max_iter) {
  double dx = 2.5 / (double)width;
  double dy = 2.5 / (double)height;
  uint64_t sum = 0;
  for (uint32_t y = y0; y < y1; y++) {
    double ci = -1.25 + (double)y * dy;
    for (uint32_t x = 0; x < width; x++) {
      double cr = -2.0 + (double)x * dx;
      double zr = 0, zi = 0;
      uint32_t i = 0;
      while (i < max_iter) {
        double zr2 = zr * zr;
        double zi2 = zi * zi;
        if (zr2 + zi2 > 4.0) break;
        zi = 2.0 * zr * zi + ci;
        zr = zr2 - zi2 + cr;
        i++;
      }
      sum += i;
    }
  }
  return (double)sum;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int usage(void) {
  fputs("usage: kernels modsum N REPEAT | integrate FROM TO STEPS REPEAT | mandelbrot WIDTH HEIGHT MAXITER REPEAT\n", stderr);
  return 2;
}

int main(int argc, char **argv) {
  if (argc < 3) return usage();
  const char *kernel = argv[1];
  int params = strcmp(kernel, "modsum") == 0 ? 1 : 3;
  if ((strcmp(kernel, "modsum") != 0 && strcmp(kernel, "integrate") != 0 && strcmp(kernel, "mandelbrot") != 0) || argc != params + 3) {
    return usage();
  }
  int repeat = atoi(argv[argc - 1]);
  if (repeat < 1) return usage();
  /* volatile: each repeat computes again, rather than reusing the first result */
  volatile double a = strtod(argv[2], NULL);
  volatile double b = params > 1 ? strtod(argv[3], NULL) : 0;
  volatile double c = params > 2 ? strtod(argv[4], NULL) : 0;
  double result = 0;
  printf("{\"samplesMs\":[");
  for (int r = 0; r < repeat; r++) {
    double start = now_ms();
    if (kernel[0] == 'm' && kernel[1] == 'o') {
      result = modsum(0, (uint32_t)a);
    } else if (kernel[0] == 'i') {
      result = integrate(a, (b - a) / c, 0, (uint32_t)c);
    } else {
      result = mandelbrot(0, (uint32_t)b, (uint32_t)a, (uint32_t)b, (uint32_t)c);
    }
    printf(r == 0 ? "%.6f" : ",%.6f", now_ms() - start);
  }
  printf("],\"checksum\":\"%.17g\"}\n", result);
  return 0;
}
