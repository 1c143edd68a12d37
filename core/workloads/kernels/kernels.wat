;; truepar's WebAssembly kernels: the same arithmetic, in the same order, as
;; js.ts and kernels.c beside it, so the checksums match
;; bit for bit. Built by `npm run build:kernels` (wabt) into kernels.wasm.
;;
;; The memory is imported and shared: the shared-memory mode lets several
;; workers write one Mandelbrot image into it and add their sums atomically.
(module
  (import "env" "memory" (memory 1 1024 shared))

  ;; The article's loop: the sum of i in [start, end) with i % 2023 == 0.
  ;; An i64 sum, returned as f64 (exact below 2^53). The test i % 2023 == 0 is
  ;; written as gcc -O2 compiles it: i * 2023^-1 (mod 2^32) <= (2^32 - 1) / 2023,
  ;; exact for every u32. V8 compiles a literal i32.rem_u by a constant to a
  ;; multiply-high, shifts, a multiply and a subtract instead: 1.5x slower here.
  (func (export "modsum") (param $start i32) (param $end i32) (result f64)
    (local $i i32) (local $sum i64)
    (local.set $i (local.get $start))
    (block $done
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (loop $next
        (if (i32.le_u (i32.mul (local.get $i) (i32.const 0x133c1bd7)) (i32.const 2123068))
          (then (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $next (i32.lt_u (local.get $i) (local.get $end)))))
    (f64.convert_i64_u (local.get $sum)))

  ;; The article repository's Cython kernel: the left Riemann sum of x^2 over
  ;; steps [i0, i1) of width dx from `from`: dx * sum((from + i * dx)^2).
  (func (export "integrate") (param $from f64) (param $dx f64) (param $i0 i32) (param $i1 i32) (result f64)
    (local $i i32) (local $x f64) (local $sum f64)
    (local.set $i (local.get $i0))
    (block $done
      (br_if $done (i32.ge_u (local.get $i) (local.get $i1)))
      (loop $next
        (local.set $x (f64.add (local.get $from) (f64.mul (f64.convert_i32_u (local.get $i)) (local.get $dx))))
        (local.set $sum (f64.add (local.get $sum) (f64.mul (local.get $x) (local.get $x))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $next (i32.lt_u (local.get $i) (local.get $i1)))))
    (f64.mul (local.get $sum) (local.get $dx)))

  ;; Escape count of one point c = (cr, ci), at most maxIter.
  (func $escape (param $cr f64) (param $ci f64) (param $maxIter i32) (result i32)
    (local $zr f64) (local $zi f64) (local $zr2 f64) (local $zi2 f64) (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $maxIter)))
        (local.set $zr2 (f64.mul (local.get $zr) (local.get $zr)))
        (local.set $zi2 (f64.mul (local.get $zi) (local.get $zi)))
        (br_if $done (f64.gt (f64.add (local.get $zr2) (local.get $zi2)) (f64.const 4)))
        (local.set $zi (f64.add (f64.mul (f64.mul (f64.const 2) (local.get $zr)) (local.get $zi)) (local.get $ci)))
        (local.set $zr (f64.add (f64.sub (local.get $zr2) (local.get $zi2)) (local.get $cr)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $i))

  ;; The sum of escape counts over rows [y0, y1) of a width x height grid on
  ;; [-2, 0.5] x [-1.25, 1.25], one point at a time.
  (func (export "mandelbrot") (param $y0 i32) (param $y1 i32) (param $width i32) (param $height i32) (param $maxIter i32) (result f64)
    (local $x i32) (local $y i32) (local $dx f64) (local $dy f64) (local $ci f64) (local $sum i64)
    (local.set $dx (f64.div (f64.const 2.5) (f64.convert_i32_u (local.get $width))))
    (local.set $dy (f64.div (f64.const 2.5) (f64.convert_i32_u (local.get $height))))
    (local.set $y (local.get $y0))
    (block $rows
      (loop $row
        (br_if $rows (i32.ge_u (local.get $y) (local.get $y1)))
        (local.set $ci (f64.add (f64.const -1.25) (f64.mul (f64.convert_i32_u (local.get $y)) (local.get $dy))))
        (local.set $x (i32.const 0))
        (block $cols
          (loop $col
            (br_if $cols (i32.ge_u (local.get $x) (local.get $width)))
            (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u
              (call $escape
                (f64.add (f64.const -2) (f64.mul (f64.convert_i32_u (local.get $x)) (local.get $dx)))
                (local.get $ci) (local.get $maxIter)))))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $col)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $row)))
    (f64.convert_i64_u (local.get $sum)))

  ;; Escape counts of two points at once (f64x2 lanes), as an i64x2; the same
  ;; operations per lane as $escape, so the counts are identical.
  (func $escape2 (param $cr v128) (param $ci v128) (param $maxIter i32) (result v128)
    (local $zr v128) (local $zi v128) (local $zr2 v128) (local $zi2 v128)
    (local $active v128) (local $counts v128) (local $i i32)
    (local.set $active (i64x2.splat (i64.const -1)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $maxIter)))
        (local.set $zr2 (f64x2.mul (local.get $zr) (local.get $zr)))
        (local.set $zi2 (f64x2.mul (local.get $zi) (local.get $zi)))
        ;; A lane that escaped stays out, whatever its z does next.
        (local.set $active (v128.and (local.get $active)
          (f64x2.le (f64x2.add (local.get $zr2) (local.get $zi2)) (f64x2.splat (f64.const 4)))))
        (br_if $done (i32.eqz (v128.any_true (local.get $active))))
        (local.set $counts (i64x2.sub (local.get $counts) (local.get $active)))
        (local.set $zi (f64x2.add (f64x2.mul (f64x2.mul (f64x2.splat (f64.const 2)) (local.get $zr)) (local.get $zi)) (local.get $ci)))
        (local.set $zr (f64x2.add (f64x2.sub (local.get $zr2) (local.get $zi2)) (local.get $cr)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $counts))

  ;; `mandelbrot` with 128-bit SIMD: two points per step, the odd one out alone.
  (func (export "mandelbrotSimd") (param $y0 i32) (param $y1 i32) (param $width i32) (param $height i32) (param $maxIter i32) (result f64)
    (local $x i32) (local $y i32) (local $dx f64) (local $dy f64) (local $ci f64) (local $sum i64) (local $counts v128)
    (local.set $dx (f64.div (f64.const 2.5) (f64.convert_i32_u (local.get $width))))
    (local.set $dy (f64.div (f64.const 2.5) (f64.convert_i32_u (local.get $height))))
    (local.set $y (local.get $y0))
    (block $rows
      (loop $row
        (br_if $rows (i32.ge_u (local.get $y) (local.get $y1)))
        (local.set $ci (f64.add (f64.const -1.25) (f64.mul (f64.convert_i32_u (local.get $y)) (local.get $dy))))
        (local.set $x (i32.const 0))
        (block $pairs
          (loop $pair
            (br_if $pairs (i32.ge_u (i32.add (local.get $x) (i32.const 1)) (local.get $width)))
            (local.set $counts (call $escape2
              (f64x2.add (f64x2.splat (f64.const -2))
                (f64x2.mul
                  (f64x2.replace_lane 1
                    (f64x2.splat (f64.convert_i32_u (local.get $x)))
                    (f64.convert_i32_u (i32.add (local.get $x) (i32.const 1))))
                  (f64x2.splat (local.get $dx))))
              (f64x2.splat (local.get $ci)) (local.get $maxIter)))
            (local.set $sum (i64.add (local.get $sum)
              (i64.add (i64x2.extract_lane 0 (local.get $counts)) (i64x2.extract_lane 1 (local.get $counts)))))
            (local.set $x (i32.add (local.get $x) (i32.const 2)))
            (br $pair)))
        (if (i32.lt_u (local.get $x) (local.get $width))
          (then (local.set $sum (i64.add (local.get $sum) (i64.extend_i32_u
            (call $escape
              (f64.add (f64.const -2) (f64.mul (f64.convert_i32_u (local.get $x)) (local.get $dx)))
              (local.get $ci) (local.get $maxIter)))))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $row)))
    (f64.convert_i64_u (local.get $sum)))

  ;; The shared-memory mode, like Cython's nogil threads on one array: each
  ;; worker takes the next row from an atomic counter (at ctl), writes that
  ;; row's escape counts into the image (i32 per point, at out), and adds its
  ;; sum into an atomic total (i64 at ctl + 8). Returns the rows it did.
  (func (export "mandelbrotShared") (param $width i32) (param $height i32) (param $maxIter i32) (param $ctl i32) (param $out i32) (result i32)
    (local $x i32) (local $y i32) (local $dx f64) (local $dy f64) (local $ci f64) (local $count i32) (local $rowSum i64) (local $done i32)
    (local.set $dx (f64.div (f64.const 2.5) (f64.convert_i32_u (local.get $width))))
    (local.set $dy (f64.div (f64.const 2.5) (f64.convert_i32_u (local.get $height))))
    (block $rows
      (loop $row
        (local.set $y (i32.atomic.rmw.add (local.get $ctl) (i32.const 1)))
        (br_if $rows (i32.ge_u (local.get $y) (local.get $height)))
        (local.set $ci (f64.add (f64.const -1.25) (f64.mul (f64.convert_i32_u (local.get $y)) (local.get $dy))))
        (local.set $rowSum (i64.const 0))
        (local.set $x (i32.const 0))
        (block $cols
          (loop $col
            (br_if $cols (i32.ge_u (local.get $x) (local.get $width)))
            (local.set $count (call $escape
              (f64.add (f64.const -2) (f64.mul (f64.convert_i32_u (local.get $x)) (local.get $dx)))
              (local.get $ci) (local.get $maxIter)))
            (i32.store
              (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $y) (local.get $width)) (local.get $x)) (i32.const 2)))
              (local.get $count))
            (local.set $rowSum (i64.add (local.get $rowSum) (i64.extend_i32_u (local.get $count))))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $col)))
        (drop (i64.atomic.rmw.add (i32.add (local.get $ctl) (i32.const 8)) (local.get $rowSum)))
        (local.set $done (i32.add (local.get $done) (i32.const 1)))
        (br $row)))
    (local.get $done))
)
