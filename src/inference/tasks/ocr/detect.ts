/**
 * Text detection around a DB (differentiable binarisation) model: the input tensor going
 * in, and the probability map → scored, grown, source-pixel quads coming out.
 */
import sharp from 'sharp';
import type { Point } from '../../types.js';
import type { DecodedImage } from '../../media/image.js';
import { convexHull, growRect, insideConvexQuad, minAreaRect, orderCorners, rectCorners } from './geometry.js';

export interface DetInput {
  /** NCHW float32, N = 1. */
  data: Float32Array;
  width: number;
  height: number;
}

export interface DetectedBox {
  /** Top-left, top-right, bottom-right, bottom-left, in source pixels. */
  quad: Point[];
  score: number;
}

export interface BoxOptions {
  threshold: number;
  boxThreshold: number;
  unclipRatio: number;
  minBoxSize: number;
  maxCandidates: number;
}

/** PaddleOCR normalises the BGR image it read with OpenCV using ImageNet statistics in that order. */
const DET_MEAN_BGR = [0.485, 0.456, 0.406];
const DET_STD_BGR = [0.229, 0.224, 0.225];

/** The detector's strides need each side a multiple of 32; the longest side is capped at `limitSideLen`. */
export function detSize(width: number, height: number, limitSideLen: number): { width: number; height: number } {
  const scale = Math.max(width, height) > limitSideLen ? limitSideLen / Math.max(width, height) : 1;
  const round32 = (v: number) => Math.max(32, Math.round((v * scale) / 32) * 32);
  return { width: round32(width), height: round32(height) };
}

export async function prepareDetInput(image: DecodedImage, limitSideLen: number): Promise<DetInput> {
  const { width, height } = detSize(image.width, image.height, limitSideLen);
  let pixels = image.data;
  if (width !== image.width || height !== image.height) {
    const raw = { width: image.width, height: image.height, channels: 3 as const };
    const resized = await sharp(image.data, { raw }).resize(width, height, { fit: 'fill' }).raw().toBuffer();
    pixels = new Uint8Array(resized.buffer, resized.byteOffset, resized.byteLength);
  }
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  // Tensor channels are B, G, R: one pass over the pixels writes all three planes.
  const [sb, sg, sr] = DET_STD_BGR.map((std) => 1 / (255 * std));
  const [mb, mg, mr] = DET_MEAN_BGR.map((mean, c) => mean / DET_STD_BGR[c]);
  for (let i = 0, p = 0; i < plane; i++, p += 3) {
    data[i] = pixels[p + 2] * sb - mb;
    data[plane + i] = pixels[p + 1] * sg - mg;
    data[2 * plane + i] = pixels[p] * sr - mr;
  }
  return { data, width, height };
}

/**
 * 8-connected regions of the binary map, each reduced to its convex hull. Only the leftmost
 * and rightmost pixel of each row of a region can be hull vertices, so those are all we keep.
 */
function regionHulls(bitmap: Uint8Array, width: number, height: number, maxRegions: number): Point[][] {
  const seen = new Uint8Array(width * height);
  const stack = new Int32Array(width * height);
  // Per-row extremes of the region being filled; rows are reset after each region.
  const rowMin = new Int32Array(height).fill(width);
  const rowMax = new Int32Array(height).fill(-1);
  const hulls: Point[][] = [];
  for (let start = 0; start < bitmap.length && hulls.length < maxRegions; start++) {
    if (!bitmap[start] || seen[start]) continue;
    let top = height;
    let bottom = -1;
    let size = 0;
    seen[start] = 1;
    stack[size++] = start;
    while (size > 0) {
      const index = stack[--size];
      const y = (index / width) | 0;
      const x = index - y * width;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
      if (x < rowMin[y]) rowMin[y] = x;
      if (x > rowMax[y]) rowMax[y] = x;
      const y0 = y > 0 ? y - 1 : 0;
      const y1 = y < height - 1 ? y + 1 : y;
      const x0 = x > 0 ? x - 1 : 0;
      const x1 = x < width - 1 ? x + 1 : x;
      for (let ny = y0; ny <= y1; ny++) {
        for (let nx = x0; nx <= x1; nx++) {
          const n = ny * width + nx;
          if (bitmap[n] && !seen[n]) {
            seen[n] = 1;
            stack[size++] = n;
          }
        }
      }
    }
    const extremes: Point[] = [];
    for (let r = top; r <= bottom; r++) {
      if (rowMax[r] < 0) continue;
      extremes.push({ x: rowMin[r], y: r });
      if (rowMax[r] !== rowMin[r]) extremes.push({ x: rowMax[r], y: r });
      rowMin[r] = width;
      rowMax[r] = -1;
    }
    hulls.push(convexHull(extremes));
  }
  return hulls;
}

/** Mean probability over the map pixels inside the quad: how sure the model is of the whole box. */
function quadScore(prob: Float32Array, width: number, height: number, quad: Point[]): number {
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const p of quad) {
    minX = Math.min(minX, p.x);
    maxX = Math.max(maxX, p.x);
    minY = Math.min(minY, p.y);
    maxY = Math.max(maxY, p.y);
  }
  const x0 = Math.max(0, Math.floor(minX));
  const x1 = Math.min(width - 1, Math.ceil(maxX));
  const y0 = Math.max(0, Math.floor(minY));
  const y1 = Math.min(height - 1, Math.ceil(maxY));
  let sum = 0;
  let count = 0;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      if (insideConvexQuad(quad, x, y)) {
        sum += prob[y * width + x];
        count++;
      }
    }
  }
  return count > 0 ? sum / count : 0;
}

/**
 * DB post-processing: threshold the map, take each region's minimum-area rectangle, keep
 * the confident ones, grow them by area·ratio/perimeter (the model is trained to predict
 * shrunken text kernels), and map them back to source pixels.
 */
export function boxesFromProbabilities(
  prob: Float32Array,
  mapWidth: number,
  mapHeight: number,
  sourceWidth: number,
  sourceHeight: number,
  options: BoxOptions,
): DetectedBox[] {
  const bitmap = new Uint8Array(mapWidth * mapHeight);
  for (let i = 0; i < bitmap.length; i++) bitmap[i] = prob[i] > options.threshold ? 1 : 0;
  const scaleX = sourceWidth / mapWidth;
  const scaleY = sourceHeight / mapHeight;
  const boxes: DetectedBox[] = [];
  for (const hull of regionHulls(bitmap, mapWidth, mapHeight, options.maxCandidates)) {
    const rect = minAreaRect(hull);
    if (Math.min(rect.width, rect.height) < options.minBoxSize) continue;
    const score = quadScore(prob, mapWidth, mapHeight, rectCorners(rect));
    if (score < options.boxThreshold) continue;
    const perimeter = 2 * (rect.width + rect.height);
    const grown = growRect(rect, (rect.width * rect.height * options.unclipRatio) / perimeter);
    if (Math.min(grown.width, grown.height) < options.minBoxSize + 2) continue;
    const quad = orderCorners(
      rectCorners(grown).map((p) => ({
        x: Math.round(Math.min(sourceWidth, Math.max(0, p.x * scaleX)) * 10) / 10,
        y: Math.round(Math.min(sourceHeight, Math.max(0, p.y * scaleY)) * 10) / 10,
      })),
    );
    const side = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y);
    if (side(quad[0], quad[1]) <= 3 || side(quad[0], quad[3]) <= 3) continue;
    boxes.push({ quad, score });
  }
  return boxes;
}
