/**
 * Block quantization of one [K, N] weight matrix into the layout onnxruntime's
 * `MatMulNBits` reads (com.microsoft, docs/ContribOperators.md): per output column n,
 * K is cut into blocks of `blockSize`; each block has one float scale and one integer
 * zero point, and dequantizes as (code - zeroPoint) * scale. Codes are packed low bits
 * first along K (for 4 bits, the first of two values sits in a byte's low nibble).
 * Zero points are asymmetric (min/max per block), because at 4 bits a symmetric range
 * wastes a level or clips on every block whose values lean to one side.
 */

export type WeightBits = 4 | 8;

export interface QuantizedMatrix {
  /** uint8 [N, blocks, blockSize * bits / 8]. */
  packed: Uint8Array;
  /** float [N * blocks]. */
  scales: Float32Array;
  /** uint8 [N, ceil(blocks * bits / 8)], packed like `packed`. */
  zeroPoints: Uint8Array;
  blocks: number;
  blobSize: number;
  zeroPointBytes: number;
}

/** Block sizes MatMulNBits accepts: a power of two, at least 16. */
export function isValidBlockSize(size: number): boolean {
  return Number.isInteger(size) && size >= 16 && (size & (size - 1)) === 0;
}

/** Writes `code` (bits wide) as the index-th value of a low-first packed byte array. */
function pack(target: Uint8Array, offset: number, index: number, code: number, bits: WeightBits): void {
  if (bits === 8) target[offset + index] = code;
  else target[offset + (index >> 1)] |= index & 1 ? code << 4 : code;
}

/** `weights` is row-major [K, N], as a MatMul's B initializer stores it. */
export function quantizeMatrix(weights: Float32Array, K: number, N: number, bits: WeightBits, blockSize: number): QuantizedMatrix {
  if (weights.length !== K * N) throw new RangeError(`expected ${K * N} weights for [${K}, ${N}], got ${weights.length}`);
  if (!isValidBlockSize(blockSize)) throw new RangeError(`block size ${blockSize} is not a power of two of at least 16`);
  const blocks = Math.ceil(K / blockSize);
  const blobSize = (blockSize * bits) / 8;
  const zeroPointBytes = Math.ceil((blocks * bits) / 8);
  const maxCode = (1 << bits) - 1;
  const packed = new Uint8Array(N * blocks * blobSize);
  const scales = new Float32Array(N * blocks);
  const zeroPoints = new Uint8Array(N * zeroPointBytes);
  for (let n = 0; n < N; n += 1) {
    for (let b = 0; b < blocks; b += 1) {
      const start = b * blockSize;
      const end = Math.min(K, start + blockSize);
      // The range always holds 0 so padding past K (and exact zeros) dequantize to 0.
      let min = 0;
      let max = 0;
      for (let k = start; k < end; k += 1) {
        const w = weights[k * N + n];
        if (w < min) min = w;
        if (w > max) max = w;
      }
      const scale = max > min ? (max - min) / maxCode : 1;
      const zeroPoint = Math.min(maxCode, Math.max(0, Math.round(-min / scale)));
      scales[n * blocks + b] = scale;
      pack(zeroPoints, n * zeroPointBytes, b, zeroPoint, bits);
      const blob = (n * blocks + b) * blobSize;
      for (let i = 0; i < blockSize; i += 1) {
        const k = start + i;
        const code = k < end ? Math.min(maxCode, Math.max(0, Math.round(weights[k * N + n] / scale) + zeroPoint)) : zeroPoint;
        pack(packed, blob, i, code, bits);
      }
    }
  }
  return { packed, scales, zeroPoints, blocks, blobSize, zeroPointBytes };
}
