/**
 * Page orientation: each reading quad (after the vertical-text turn and the direction
 * classifier) runs from its first corner to its second in the direction its text reads.
 * When most lines agree the page is turned a half, lines are ordered in the page as it
 * reads rather than as it lies. A page turned a quarter is turned upright and detected
 * again: read as it lies, its lines come out as one row, and the detector, trained on
 * upright text, splits them into pieces.
 */
import type { DecodedImage } from '../../media/image.js';
import type { Point } from '../../types.js';

/** How far the page is turned clockwise from upright. */
export type PageTurn = 0 | 90 | 180 | 270;

function turnOf(quad: Point[]): PageTurn {
  const dx = quad[1].x - quad[0].x;
  const dy = quad[1].y - quad[0].y;
  if (Math.abs(dx) >= Math.abs(dy)) return dx >= 0 ? 0 : 180;
  // Text reading downwards: the page's top is on the right, it was turned clockwise.
  return dy > 0 ? 90 : 270;
}

/** The turn most lines read in; upright on a tie with it. */
export function pageTurn(readingQuads: Point[][]): PageTurn {
  const votes = new Map<PageTurn, number>([[0, 0]]);
  for (const quad of readingQuads) {
    const turn = turnOf(quad);
    votes.set(turn, (votes.get(turn) ?? 0) + 1);
  }
  let best: PageTurn = 0;
  for (const [turn, count] of votes) if (count > votes.get(best)!) best = turn;
  return best;
}

/** Maps a point of the page as it lies to the page as it reads (upright, origin top-left). */
export function toReadingFrame(turn: PageTurn, width: number, height: number): (p: Point) => Point {
  switch (turn) {
    case 0:
      return (p) => p;
    case 90:
      return (p) => ({ x: p.y, y: width - p.x });
    case 180:
      return (p) => ({ x: width - p.x, y: height - p.y });
    case 270:
      return (p) => ({ x: height - p.y, y: p.x });
  }
}

/** Maps a point of the upright page back to the page as it lies: the inverse of `toReadingFrame`. */
export function fromReadingFrame(turn: PageTurn, width: number, height: number): (p: Point) => Point {
  switch (turn) {
    case 0:
      return (p) => p;
    case 90:
      return (p) => ({ x: width - p.y, y: p.x });
    case 180:
      return (p) => ({ x: width - p.x, y: height - p.y });
    case 270:
      return (p) => ({ x: p.y, y: height - p.x });
  }
}

/** The pixels of a page turned a quarter, turned back upright (the same mapping as `toReadingFrame`). */
export function uprightImage(image: DecodedImage, turn: 90 | 270): DecodedImage {
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  // Upright, the page is `height` wide and `width` tall.
  for (let uy = 0; uy < width; uy++) {
    for (let ux = 0; ux < height; ux++) {
      const x = turn === 90 ? width - 1 - uy : uy;
      const y = turn === 90 ? ux : height - 1 - ux;
      const from = (y * width + x) * 3;
      const to = (uy * height + ux) * 3;
      out[to] = data[from];
      out[to + 1] = data[from + 1];
      out[to + 2] = data[from + 2];
    }
  }
  return { data: out, width: height, height: width };
}

/** The same quad, its corners starting from the one nearest the page's top-left. */
export function fromTopLeft(quad: Point[]): Point[] {
  let first = 0;
  quad.forEach((p, i) => {
    if (p.x + p.y < quad[first].x + quad[first].y) first = i;
  });
  return [...quad.slice(first), ...quad.slice(0, first)];
}
