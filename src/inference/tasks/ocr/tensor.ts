/**
 * Packing RGB crops into the NCHW float batches PaddleOCR's classifier and recogniser take:
 * BGR channel order (their training read images with OpenCV), scaled to [-1, 1], each crop
 * left-aligned and the rest of its row padded with 0.
 */
export function packCrops(
  crops: readonly { pixels: Uint8Array; width: number }[],
  height: number,
  batchWidth: number,
): Float32Array {
  const plane = height * batchWidth;
  const data = new Float32Array(crops.length * 3 * plane);
  crops.forEach(({ pixels, width }, n) => {
    for (let c = 0; c < 3; c++) {
      const source = 2 - c;
      const base = (n * 3 + c) * plane;
      for (let y = 0; y < height; y++) {
        const row = base + y * batchWidth;
        const from = y * width * 3 + source;
        for (let x = 0; x < width; x++) data[row + x] = pixels[from + x * 3] / 127.5 - 1;
      }
    }
  });
  return data;
}
