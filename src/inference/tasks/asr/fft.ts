/**
 * A complex FFT for any size whose prime factors are small (Whisper's n_fft is 400 = 2⁴·5²),
 * planned once per size: mixed-radix Cooley–Tukey, decimation in time, with precomputed
 * twiddles and scratch buffers so each transform allocates nothing.
 */
export class Fft {
  private readonly factors: number[];
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  /** One scratch pair per recursion level. */
  private readonly scratch: { re: Float64Array; im: Float64Array }[];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`FFT size must be a positive integer, got ${size}`);
    this.factors = [];
    let n = size;
    for (const p of [4, 2, 3, 5]) {
      while (n % p === 0) {
        this.factors.push(p);
        n /= p;
      }
    }
    for (let p = 7; n > 1; p += 2) {
      while (n % p === 0) {
        this.factors.push(p);
        n /= p;
      }
    }
    this.cos = new Float64Array(size);
    this.sin = new Float64Array(size);
    for (let k = 0; k < size; k += 1) {
      this.cos[k] = Math.cos((-2 * Math.PI * k) / size);
      this.sin[k] = Math.sin((-2 * Math.PI * k) / size);
    }
    this.scratch = this.factors.map(() => ({ re: new Float64Array(size), im: new Float64Array(size) }));
  }

  /** Forward transform of (inRe, inIm) into (outRe, outIm); the inputs are left alone. */
  transform(inRe: ArrayLike<number>, inIm: ArrayLike<number> | null, outRe: Float64Array, outIm: Float64Array): void {
    this.pass(inRe, inIm, 0, 1, outRe, outIm, 0, this.size, 0);
  }

  private pass(
    inRe: ArrayLike<number>,
    inIm: ArrayLike<number> | null,
    inOffset: number,
    stride: number,
    outRe: Float64Array,
    outIm: Float64Array,
    outOffset: number,
    n: number,
    level: number,
  ): void {
    if (n === 1) {
      outRe[outOffset] = inRe[inOffset];
      outIm[outOffset] = inIm ? inIm[inOffset] : 0;
      return;
    }
    const p = this.factors[level];
    const m = n / p;
    // The p interleaved sub-sequences, each transformed into its own block of m outputs.
    for (let q = 0; q < p; q += 1) this.pass(inRe, inIm, inOffset + q * stride, stride * p, outRe, outIm, outOffset + q * m, m, level + 1);
    const { re, im } = this.scratch[level];
    const step = this.size / n;
    for (let k = 0; k < m; k += 1) {
      for (let r = 0; r < p; r += 1) {
        const j = k + r * m;
        let sumRe = 0;
        let sumIm = 0;
        // The twiddle exponent q·j mod n, stepped without a division.
        let exponent = 0;
        for (let q = 0; q < p; q += 1) {
          const t = exponent * step;
          exponent += j;
          if (exponent >= n) exponent %= n;
          const c = this.cos[t];
          const s = this.sin[t];
          const xr = outRe[outOffset + q * m + k];
          const xi = outIm[outOffset + q * m + k];
          sumRe += xr * c - xi * s;
          sumIm += xr * s + xi * c;
        }
        re[j] = sumRe;
        im[j] = sumIm;
      }
    }
    for (let j = 0; j < n; j += 1) {
      outRe[outOffset + j] = re[j];
      outIm[outOffset + j] = im[j];
    }
  }
}
