/**
 * The inner loops of exact search as a small WebAssembly module with 128-bit SIMD, because
 * plain JavaScript cannot vectorise them (a 4-accumulator JS loop is 3-4x slower than
 * scanF32 on 100k x 512 floats here). Both score one query against every stored row:
 *
 *   scanF32(rows, query, count, strideBytes, out): out[r] = sum_j rows[r][j] * query[j]   (float32)
 *   scanI8 (rows, query, count, strideBytes, out): out[r] = sum_j rows[r][j] * query[j]   (int8 → int32, exact)
 *
 * All pointers are byte offsets into the instance's own memory. Rows and query are
 * zero-padded to the stride: a multiple of 8 floats for scanF32 (two 4-lane accumulators
 * per step), of 16 bytes for scanI8. int8 sums cannot overflow: 16384 x 127 x 127 < 2^31.
 */

// Both functions: params rows, query, count, strideBytes, out (locals 0-4); r, j, p are locals 5-7.
// prettier-ignore
const ROWS_START = [
  0x02, 0x40,                                     // block
  0x20, 0x02, 0x45, 0x0d, 0x00,                   //   count == 0 → done
  0x20, 0x00, 0x21, 0x07,                         //   p = rows
  0x03, 0x40,                                     //   loop (rows)
];

// prettier-ignore
const ROWS_END = [
  0x20, 0x07, 0x20, 0x03, 0x6a, 0x21, 0x07,       //     p += strideBytes
  0x20, 0x05, 0x41, 0x01, 0x6a, 0x22, 0x05,       //     r += 1
  0x20, 0x02, 0x49, 0x0d, 0x00,                   //     while r < count
  0x0b,                                           //   end loop
  0x0b,                                           // end block
  0x0b,                                           // end function
];

// prettier-ignore
const SCAN_F32 = [
  0x02, 0x03, 0x7f, 0x02, 0x7b,                   // locals: r, j, p (i32); a0, a1 (v128)
  ...ROWS_START,
  0xfd, 0x0c, ...new Array<number>(16).fill(0),   //     v128.const 0
  0x22, 0x08, 0x21, 0x09,                         //     a0 = a1 = 0
  0x41, 0x00, 0x21, 0x06,                         //     j = 0
  0x03, 0x40,                                     //     loop (8 floats a step)
  0x20, 0x08,                                     //       a0 +=
  0x20, 0x07, 0x20, 0x06, 0x6a, 0xfd, 0x00, 0x02, 0x00, //     load(p + j)
  0x20, 0x01, 0x20, 0x06, 0x6a, 0xfd, 0x00, 0x02, 0x00, //     * load(query + j)
  0xfd, 0xe6, 0x01, 0xfd, 0xe4, 0x01, 0x21, 0x08, //       (f32x4.mul, f32x4.add)
  0x20, 0x09,                                     //       a1 +=
  0x20, 0x07, 0x20, 0x06, 0x6a, 0xfd, 0x00, 0x02, 0x10, //     load(p + j + 16)
  0x20, 0x01, 0x20, 0x06, 0x6a, 0xfd, 0x00, 0x02, 0x10, //     * load(query + j + 16)
  0xfd, 0xe6, 0x01, 0xfd, 0xe4, 0x01, 0x21, 0x09,
  0x20, 0x06, 0x41, 0x20, 0x6a, 0x22, 0x06,       //       j += 32
  0x20, 0x03, 0x49, 0x0d, 0x00,                   //       while j < strideBytes
  0x0b,
  0x20, 0x04, 0x20, 0x05, 0x41, 0x02, 0x74, 0x6a, //     &out[r]
  0x20, 0x08, 0x20, 0x09, 0xfd, 0xe4, 0x01, 0x21, 0x08, // a0 += a1
  0x20, 0x08, 0xfd, 0x1f, 0x00,                   //     lane 0
  0x20, 0x08, 0xfd, 0x1f, 0x01, 0x92,             //     + lane 1
  0x20, 0x08, 0xfd, 0x1f, 0x02, 0x92,             //     + lane 2
  0x20, 0x08, 0xfd, 0x1f, 0x03, 0x92,             //     + lane 3
  0x38, 0x02, 0x00,                               //     f32.store
  ...ROWS_END,
];

// prettier-ignore
const SCAN_I8 = [
  0x02, 0x03, 0x7f, 0x03, 0x7b,                   // locals: r, j, p (i32); acc, a, b (v128)
  ...ROWS_START,
  0xfd, 0x0c, ...new Array<number>(16).fill(0),   //     acc = 0
  0x21, 0x08,
  0x41, 0x00, 0x21, 0x06,                         //     j = 0
  0x03, 0x40,                                     //     loop (16 bytes a step)
  0x20, 0x07, 0x20, 0x06, 0x6a, 0xfd, 0x00, 0x00, 0x00, 0x21, 0x09, // a = load(p + j)
  0x20, 0x01, 0x20, 0x06, 0x6a, 0xfd, 0x00, 0x00, 0x00, 0x21, 0x0a, // b = load(query + j)
  0x20, 0x08,                                     //       acc +=
  0x20, 0x09, 0xfd, 0x87, 0x01, 0x20, 0x0a, 0xfd, 0x87, 0x01, //   low 8 bytes widened to i16
  0xfd, 0xba, 0x01, 0xfd, 0xae, 0x01,             //       (i32x4.dot_i16x8_s, i32x4.add)
  0x20, 0x09, 0xfd, 0x88, 0x01, 0x20, 0x0a, 0xfd, 0x88, 0x01, //   high 8 bytes
  0xfd, 0xba, 0x01, 0xfd, 0xae, 0x01,
  0x21, 0x08,
  0x20, 0x06, 0x41, 0x10, 0x6a, 0x22, 0x06,       //       j += 16
  0x20, 0x03, 0x49, 0x0d, 0x00,                   //       while j < strideBytes
  0x0b,
  0x20, 0x04, 0x20, 0x05, 0x41, 0x02, 0x74, 0x6a, //     &out[r]
  0x20, 0x08, 0xfd, 0x1b, 0x00,                   //     lane 0
  0x20, 0x08, 0xfd, 0x1b, 0x01, 0x6a,             //     + lane 1
  0x20, 0x08, 0xfd, 0x1b, 0x02, 0x6a,             //     + lane 2
  0x20, 0x08, 0xfd, 0x1b, 0x03, 0x6a,             //     + lane 3
  0x36, 0x02, 0x00,                               //     i32.store
  ...ROWS_END,
];

function leb128(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

const ascii = (text: string) => [text.length, ...Buffer.from(text, 'ascii')];
const section = (id: number, content: number[]) => [id, ...leb128(content.length), ...content];
const body = (code: number[]) => [...leb128(code.length), ...code];

const MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [1, 0x60, 5, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0]), // one type: (i32 x5) -> ()
  ...section(3, [2, 0, 0]),
  ...section(5, [1, 0, 1]), // one memory, 1 page to start, grown by the caller
  ...section(7, [3, ...ascii('memory'), 2, 0, ...ascii('scanF32'), 0, 0, ...ascii('scanI8'), 0, 1]),
  ...section(10, [2, ...body(SCAN_F32), ...body(SCAN_I8)]),
]);

let compiled: WebAssembly.Module | undefined;

type Scan = (rows: number, query: number, count: number, strideBytes: number, out: number) => void;

export interface DotKernel {
  readonly memory: WebAssembly.Memory;
  scanF32: Scan;
  scanI8: Scan;
}

/** A fresh instance with its own memory; each index owns one so they grow independently. */
export function createDotKernel(): DotKernel {
  compiled ??= new WebAssembly.Module(MODULE);
  const exports = new WebAssembly.Instance(compiled).exports as unknown as DotKernel;
  return { memory: exports.memory, scanF32: exports.scanF32, scanI8: exports.scanI8 };
}

/** Row padding so neither loop reads past a row. */
export const F32_ALIGN = 8;
export const I8_ALIGN = 16;
