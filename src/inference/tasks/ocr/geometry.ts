/**
 * Plane geometry for text boxes: hulls, minimum-area rectangles, corner order, reading order.
 * Pure functions over plain numbers; image coordinates (x right, y down).
 */
import type { Point } from '../../types.js';

export interface RotatedRect {
  center: Point;
  /** Side along `angle`. */
  width: number;
  /** Side across `angle`. */
  height: number;
  /** Direction of the `width` side, radians. */
  angle: number;
}

const cross = (o: Point, a: Point, b: Point) => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);

/** Convex hull by the monotone chain; counter-clockwise in a y-up frame, no collinear points. */
export function convexHull(points: Point[]): Point[] {
  if (points.length <= 2) return points.slice();
  const sorted = points.slice().sort((a, b) => a.x - b.x || a.y - b.y);
  const lower: Point[] = [];
  for (const p of sorted) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = sorted.length - 1; i >= 0; i--) {
    const p = sorted[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper);
}

/**
 * The smallest-area rectangle around a convex polygon: one of its sides lies on a hull edge,
 * so trying every edge direction (rotating calipers, done plainly) finds it.
 */
export function minAreaRect(hull: Point[]): RotatedRect {
  if (hull.length === 0) return { center: { x: 0, y: 0 }, width: 0, height: 0, angle: 0 };
  if (hull.length === 1) return { center: { ...hull[0] }, width: 0, height: 0, angle: 0 };
  let best: RotatedRect | null = null;
  let bestArea = Infinity;
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i];
    const b = hull[(i + 1) % hull.length];
    const length = Math.hypot(b.x - a.x, b.y - a.y);
    if (length === 0) continue;
    const ux = (b.x - a.x) / length;
    const uy = (b.y - a.y) / length;
    let minU = Infinity;
    let maxU = -Infinity;
    let minV = Infinity;
    let maxV = -Infinity;
    for (const p of hull) {
      const u = p.x * ux + p.y * uy;
      const v = -p.x * uy + p.y * ux;
      if (u < minU) minU = u;
      if (u > maxU) maxU = u;
      if (v < minV) minV = v;
      if (v > maxV) maxV = v;
    }
    const area = (maxU - minU) * (maxV - minV);
    if (area < bestArea) {
      bestArea = area;
      const cu = (minU + maxU) / 2;
      const cv = (minV + maxV) / 2;
      best = {
        center: { x: cu * ux - cv * uy, y: cu * uy + cv * ux },
        width: maxU - minU,
        height: maxV - minV,
        angle: Math.atan2(uy, ux),
      };
    }
  }
  return best!;
}

export function rectCorners(rect: RotatedRect): Point[] {
  const c = Math.cos(rect.angle);
  const s = Math.sin(rect.angle);
  const hw = rect.width / 2;
  const hh = rect.height / 2;
  return [
    [-hw, -hh],
    [hw, -hh],
    [hw, hh],
    [-hw, hh],
  ].map(([u, v]) => ({ x: rect.center.x + u * c - v * s, y: rect.center.y + u * s + v * c }));
}

/**
 * Growing a rectangle's outline by `distance` with round joins (what an offsetting library
 * does to it) leaves a shape whose minimum-area rectangle is the same rectangle with each
 * side moved out by `distance`; the tests check this against clipper-lib.
 */
export function growRect(rect: RotatedRect, distance: number): RotatedRect {
  return { ...rect, width: rect.width + 2 * distance, height: rect.height + 2 * distance };
}

/**
 * Corners as top-left, top-right, bottom-right, bottom-left (clockwise on screen): the two
 * leftmost points form the left side, and on each side the upper point comes first.
 */
export function orderCorners(points: Point[]): Point[] {
  const byX = points.slice().sort((a, b) => a.x - b.x || a.y - b.y);
  const [l0, l1, r0, r1] = byX;
  const [tl, bl] = l0.y <= l1.y ? [l0, l1] : [l1, l0];
  const [tr, br] = r0.y <= r1.y ? [r0, r1] : [r1, r0];
  return [tl, tr, br, bl];
}

/** Text width and height of an ordered quad: the longer of each pair of opposite sides. */
export function quadSize(quad: Point[]): { width: number; height: number } {
  const d = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y);
  return {
    width: Math.max(d(quad[0], quad[1]), d(quad[3], quad[2])),
    height: Math.max(d(quad[0], quad[3]), d(quad[1], quad[2])),
  };
}

/** Whether p lies in the convex quad (either winding), edges included. */
export function insideConvexQuad(quad: Point[], x: number, y: number): boolean {
  let sign = 0;
  for (let i = 0; i < 4; i++) {
    const a = quad[i];
    const b = quad[(i + 1) % 4];
    const c = (b.x - a.x) * (y - a.y) - (b.y - a.y) * (x - a.x);
    if (Math.abs(c) < 1e-9) continue;
    const s = c > 0 ? 1 : -1;
    if (sign === 0) sign = s;
    else if (s !== sign) return false;
  }
  return true;
}

function verticalExtent(quad: Point[]): { top: number; bottom: number; left: number } {
  let top = Infinity;
  let bottom = -Infinity;
  let left = Infinity;
  for (const p of quad) {
    top = Math.min(top, p.y);
    bottom = Math.max(bottom, p.y);
    left = Math.min(left, p.x);
  }
  return { top, bottom, left };
}

/**
 * Reading order: boxes grouped into rows (a box joins a row when its vertical centre falls
 * inside the row's first box's span), rows top to bottom, boxes in a row left to right.
 * Returns rows of indices into `quads`.
 */
export function readingOrder(quads: Point[][]): number[][] {
  const info = quads.map((quad, index) => ({ index, ...verticalExtent(quad) }));
  info.sort((a, b) => a.top + a.bottom - (b.top + b.bottom) || a.left - b.left);
  const rows: { top: number; bottom: number; members: typeof info }[] = [];
  for (const box of info) {
    const centre = (box.top + box.bottom) / 2;
    const row = rows.find((r) => centre >= r.top && centre <= r.bottom);
    if (row) row.members.push(box);
    else rows.push({ top: box.top, bottom: box.bottom, members: [box] });
  }
  rows.sort((a, b) => a.top + a.bottom - (b.top + b.bottom));
  return rows.map((r) => r.members.sort((a, b) => a.left - b.left).map((m) => m.index));
}
