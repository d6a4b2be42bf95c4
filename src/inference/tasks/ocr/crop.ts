/**
 * Straightening a text box out of the page: the output rectangle is mapped onto the box's
 * quad by a projective transform and sampled bilinearly, several taps per output pixel when
 * shrinking so small output does not alias. Crop, rotate and resize happen in this one pass.
 */
import type { Point } from '../../types.js';
import type { DecodedImage } from '../../media/image.js';

/** Maps the unit square (u along quad[0]→quad[1], v along quad[0]→quad[3]) onto the quad. */
interface Projective {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
  f: number;
  g: number;
  h: number;
}

function squareToQuad(q: Point[]): Projective {
  const [p0, p1, p2, p3] = q;
  const sx = p0.x - p1.x + p2.x - p3.x;
  const sy = p0.y - p1.y + p2.y - p3.y;
  if (Math.abs(sx) < 1e-9 && Math.abs(sy) < 1e-9) {
    // A parallelogram: the map is affine.
    return { a: p1.x - p0.x, b: p3.x - p0.x, c: p0.x, d: p1.y - p0.y, e: p3.y - p0.y, f: p0.y, g: 0, h: 0 };
  }
  const dx1 = p1.x - p2.x;
  const dx2 = p3.x - p2.x;
  const dy1 = p1.y - p2.y;
  const dy2 = p3.y - p2.y;
  const det = dx1 * dy2 - dx2 * dy1;
  const g = (sx * dy2 - dx2 * sy) / det;
  const h = (dx1 * sy - sx * dy1) / det;
  return {
    a: p1.x - p0.x + g * p1.x,
    b: p3.x - p0.x + h * p3.x,
    c: p0.x,
    d: p1.y - p0.y + g * p1.y,
    e: p3.y - p0.y + h * p3.y,
    f: p0.y,
    g,
    h,
  };
}

const MAX_TAPS_PER_AXIS = 6;

/**
 * RGB pixels of the quad (top-left, top-right, bottom-right, bottom-left as the text reads)
 * warped to outWidth × outHeight. Quad coordinates are continuous: pixel (i, j) covers
 * [i, i+1) × [j, j+1). Outside the image the nearest edge pixel is repeated.
 */
export function sampleQuad(image: DecodedImage, quad: Point[], outWidth: number, outHeight: number): Uint8Array {
  const { data, width, height } = image;
  const m = squareToQuad(quad);
  const out = new Uint8Array(outWidth * outHeight * 3);
  const sideU = Math.max(Math.hypot(quad[1].x - quad[0].x, quad[1].y - quad[0].y), Math.hypot(quad[2].x - quad[3].x, quad[2].y - quad[3].y));
  const sideV = Math.max(Math.hypot(quad[3].x - quad[0].x, quad[3].y - quad[0].y), Math.hypot(quad[2].x - quad[1].x, quad[2].y - quad[1].y));
  const tapsU = Math.min(MAX_TAPS_PER_AXIS, Math.max(1, Math.ceil(sideU / outWidth)));
  const tapsV = Math.min(MAX_TAPS_PER_AXIS, Math.max(1, Math.ceil(sideV / outHeight)));
  const weight = 1 / (tapsU * tapsV);
  const maxX = width - 1;
  const maxY = height - 1;
  for (let j = 0; j < outHeight; j++) {
    for (let i = 0; i < outWidth; i++) {
      let r = 0;
      let gr = 0;
      let bl = 0;
      for (let tv = 0; tv < tapsV; tv++) {
        const v = (j + (tv + 0.5) / tapsV) / outHeight;
        for (let tu = 0; tu < tapsU; tu++) {
          const u = (i + (tu + 0.5) / tapsU) / outWidth;
          const w = m.g * u + m.h * v + 1;
          // Continuous position → index space, where pixel centres sit on integers.
          let x = (m.a * u + m.b * v + m.c) / w - 0.5;
          let y = (m.d * u + m.e * v + m.f) / w - 0.5;
          x = x < 0 ? 0 : x > maxX ? maxX : x;
          y = y < 0 ? 0 : y > maxY ? maxY : y;
          const x0 = Math.floor(x);
          const y0 = Math.floor(y);
          const x1 = x0 < maxX ? x0 + 1 : x0;
          const y1 = y0 < maxY ? y0 + 1 : y0;
          const fx = x - x0;
          const fy = y - y0;
          const i00 = (y0 * width + x0) * 3;
          const i01 = (y0 * width + x1) * 3;
          const i10 = (y1 * width + x0) * 3;
          const i11 = (y1 * width + x1) * 3;
          const w00 = (1 - fx) * (1 - fy);
          const w01 = fx * (1 - fy);
          const w10 = (1 - fx) * fy;
          const w11 = fx * fy;
          r += data[i00] * w00 + data[i01] * w01 + data[i10] * w10 + data[i11] * w11;
          gr += data[i00 + 1] * w00 + data[i01 + 1] * w01 + data[i10 + 1] * w10 + data[i11 + 1] * w11;
          bl += data[i00 + 2] * w00 + data[i01 + 2] * w01 + data[i10 + 2] * w10 + data[i11 + 2] * w11;
        }
      }
      const o = (j * outWidth + i) * 3;
      out[o] = r * weight + 0.5;
      out[o + 1] = gr * weight + 0.5;
      out[o + 2] = bl * weight + 0.5;
    }
  }
  return out;
}

/** The same quad read from the opposite corner: the crop comes out turned 180°. */
export const turnQuad180 = (quad: Point[]): Point[] => [quad[2], quad[3], quad[0], quad[1]];

/** The quad read from its top-right corner down: the crop comes out turned 90° anticlockwise. */
export const turnQuad90 = (quad: Point[]): Point[] => [quad[1], quad[2], quad[3], quad[0]];
