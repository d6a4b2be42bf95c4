import { readFileSync } from 'node:fs';
import ClipperLib from 'clipper-lib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { TesseraError } from '../src/errors.js';
import { decodeImage, type DecodedImage } from '../src/inference/media/image.js';
import type { OcrLine, OnnxRunner, Point } from '../src/inference/types.js';
import { ctcAlphabet, ctcGreedy, parseCharset } from '../src/inference/tasks/ocr/charset.js';
import { sampleQuad, turnQuad180 } from '../src/inference/tasks/ocr/crop.js';
import { convexHull, growRect, minAreaRect, readingOrder, rectCorners } from '../src/inference/tasks/ocr/geometry.js';
import { uprightImage } from '../src/inference/tasks/ocr/orientation.js';
import { recognizeText } from '../src/inference/tasks/ocr/recognize.js';
import { loadRunner, OCR_MODELS } from './fixtures/media/runner.js';

let models: { det: OnnxRunner; cls: OnnxRunner; rec: OnnxRunner };
let charset: string[];

const WIDTH = 640;
const HEIGHT = 480;
const FONT = 'DejaVu Sans';
const SIZE = 40;
/** What the page says, where: x of the text start, y of the baseline. Written to the SVG out of order on purpose. */
const WORDS = [
  { text: 'Due 2026-04-01', x: 40, y: 290 },
  { text: 'Total 42.50 EUR', x: 40, y: 190 },
  { text: 'Paid', x: 500, y: 290 },
  { text: 'Invoice 2026', x: 40, y: 90 },
];
const EXPECTED_TEXT = 'Invoice 2026\nTotal 42.50 EUR\nDue 2026-04-01 Paid';
const EXPECTED_LINES = ['Invoice 2026', 'Total 42.50 EUR', 'Due 2026-04-01', 'Paid'];

async function render(words: typeof WORDS, width = WIDTH, height = HEIGHT): Promise<Buffer> {
  const body = words
    .map((w) => `<text x="${w.x}" y="${w.y}" font-family="${FONT}" font-size="${SIZE}" fill="#111">${w.text}</text>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fff"/>${body}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** The bounding box of dark pixels in a window of the page: where the text really is. */
function ink(image: DecodedImage, x0: number, y0: number, x1: number, y1: number) {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let y = Math.max(0, y0); y < Math.min(image.height, y1); y++) {
    for (let x = Math.max(0, x0); x < Math.min(image.width, x1); x++) {
      if (image.data[(y * image.width + x) * 3] < 128) {
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x + 1);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y + 1);
      }
    }
  }
  return { minX, minY, maxX, maxY };
}

function bounds(box: Point[]) {
  return {
    minX: Math.min(...box.map((p) => p.x)),
    maxX: Math.max(...box.map((p) => p.x)),
    minY: Math.min(...box.map((p) => p.y)),
    maxY: Math.max(...box.map((p) => p.y)),
  };
}

/** The box holds all the ink of its words, with a margin of no more than `slack` pixels. */
function expectBoxAroundInk(line: OcrLine, image: DecodedImage, window: [number, number, number, number], slack = 16) {
  const truth = ink(image, ...window);
  const box = bounds(line.box);
  expect(box.minX, line.text).toBeLessThanOrEqual(truth.minX + 1);
  expect(box.minY, line.text).toBeLessThanOrEqual(truth.minY + 1);
  expect(box.maxX, line.text).toBeGreaterThanOrEqual(truth.maxX - 1);
  expect(box.maxY, line.text).toBeGreaterThanOrEqual(truth.maxY - 1);
  expect(truth.minX - box.minX, line.text).toBeLessThan(slack);
  expect(truth.minY - box.minY, line.text).toBeLessThan(slack);
  expect(box.maxX - truth.maxX, line.text).toBeLessThan(slack);
  expect(box.maxY - truth.maxY, line.text).toBeLessThan(slack);
}

beforeAll(async () => {
  const [det, cls, rec] = await Promise.all([loadRunner(OCR_MODELS.det), loadRunner(OCR_MODELS.cls), loadRunner(OCR_MODELS.rec)]);
  models = { det, cls, rec };
  charset = parseCharset(readFileSync(OCR_MODELS.charset, 'utf8'));
});

describe('recognizeText with PP-OCRv4', () => {
  let page: DecodedImage;
  beforeAll(async () => {
    page = await decodeImage(await render(WORDS), { maxPixels: 10_000_000 });
  });

  it('reads the rendered page exactly, in reading order', async () => {
    const result = await recognizeText(page, models, charset);
    expect(result.text).toBe(EXPECTED_TEXT);
    expect(result.lines.map((l) => l.text)).toEqual(EXPECTED_LINES);
    expect([result.width, result.height]).toEqual([WIDTH, HEIGHT]);
    for (const line of result.lines) {
      expect(line.confidence).toBeGreaterThan(0.8);
      expect(line.confidence).toBeLessThanOrEqual(1);
      expect(line.box).toHaveLength(4);
    }
  });

  it('puts each box where the SVG drew the text', async () => {
    const { lines } = await recognizeText(page, models, charset);
    const byText = new Map(lines.map((l) => [l.text, l]));
    for (const word of WORDS) {
      const line = byText.get(word.text)!;
      const box = bounds(line.box);
      // From the SVG alone: text starts at x, caps rise ~0.73 em above the baseline, digits and caps sit on it.
      expect(Math.abs(box.minX - word.x)).toBeLessThan(10);
      expect(box.minY).toBeLessThan(word.y - 0.73 * SIZE);
      expect(box.minY).toBeGreaterThan(word.y - SIZE - 12);
      expect(box.maxY).toBeGreaterThan(word.y);
      expect(box.maxY).toBeLessThan(word.y + 0.25 * SIZE + 12);
      // And from the pixels: the box wraps the word's ink snugly.
      const right = word.x === 40 && word.text.startsWith('Due') ? 450 : WIDTH;
      expectBoxAroundInk(line, page, [word.x - 20, word.y - SIZE - 5, right, word.y + 15]);
      // Corners clockwise from the top-left.
      const [tl, tr, br, bl] = line.box;
      expect(tl.x).toBeLessThan(tr.x);
      expect(bl.x).toBeLessThan(br.x);
      expect(tl.y).toBeLessThan(bl.y);
      expect(tr.y).toBeLessThan(br.y);
    }
  });

  it('reads a page turned 180° the same way, with boxes where the text now is', async () => {
    const turned = await decodeImage(await sharp(await render(WORDS)).rotate(180).png().toBuffer(), { maxPixels: 10_000_000 });
    const result = await recognizeText(turned, models, charset);
    expect(result.text).toBe(EXPECTED_TEXT);
    const upright = await recognizeText(page, models, charset);
    result.lines.forEach((line, i) => {
      const a = bounds(line.box);
      const b = bounds(upright.lines[i].box);
      // Turning maps x → W − x and y → H − y, so the box's extremes swap sides.
      expect(Math.abs(a.minX - (WIDTH - b.maxX))).toBeLessThan(4);
      expect(Math.abs(a.maxY - (HEIGHT - b.minY))).toBeLessThan(4);
    });
    // It is the direction classifier that makes this work.
    const withoutCls = await recognizeText(turned, { det: models.det, rec: models.rec }, charset);
    expect(withoutCls.text).not.toBe(EXPECTED_TEXT);
  });

  it.each([90, 270])('reads a receipt turned %i° line by line in order, with boxes where the text now is', async (angle) => {
    const receipt = [
      { text: 'Invoice 4821', x: 40, y: 80 },
      { text: 'Coffee 2 x 12.90', x: 40, y: 170 },
      { text: 'Total: 1,275.40 EUR', x: 40, y: 260 },
      { text: 'due March 9', x: 40, y: 350 },
    ];
    const upright = await render(receipt);
    const turned = await decodeImage(await sharp(upright).rotate(angle).png().toBuffer(), { maxPixels: 10_000_000 });
    expect([turned.width, turned.height]).toEqual([HEIGHT, WIDTH]);
    // Turning the pixels back gives the page exactly as rendered.
    const back = uprightImage(turned, angle as 90 | 270);
    const original = await decodeImage(upright, { maxPixels: 10_000_000 });
    expect([back.width, back.height]).toEqual([WIDTH, HEIGHT]);
    expect(Buffer.from(back.data).equals(Buffer.from(original.data))).toBe(true);
    const result = await recognizeText(turned, models, charset);
    expect(result.text).toBe(receipt.map((r) => r.text).join('\n'));
    expect(result.lines.map((l) => l.text)).toEqual(receipt.map((r) => r.text));
    // A line's box stands upright on the turned page: taller than wide.
    for (const line of result.lines) {
      const box = bounds(line.box);
      expect(box.maxY - box.minY, line.text).toBeGreaterThan(box.maxX - box.minX);
    }
    // Turned clockwise, the page's first line is at the right; anticlockwise, at the left.
    const centres = result.lines.map((l) => (bounds(l.box).minX + bounds(l.box).maxX) / 2);
    const expectedOrder = [...centres].sort((a, b) => (angle === 90 ? b - a : a - b));
    expect(centres).toEqual(expectedOrder);
  });

  it('scales detection down on a page wider than the limit and maps boxes back to source pixels', async () => {
    const wide = await decodeImage(await render([{ text: 'Shipment 7731 delivered', x: 1200, y: 200 }], 1800, 300), {
      maxPixels: 10_000_000,
    });
    const result = await recognizeText(wide, models, charset, { detLimitSideLen: 960 });
    expect(result.text).toBe('Shipment 7731 delivered');
    expectBoxAroundInk(result.lines[0], wide, [1150, 140, 1800, 230], 24);
  });

  it('finds no lines on an empty page', async () => {
    const blank = await decodeImage(
      await sharp({ create: { width: 320, height: 240, channels: 3, background: '#fff' } }).png().toBuffer(),
      { maxPixels: 1_000_000 },
    );
    expect(await recognizeText(blank, models, charset)).toEqual({ text: '', lines: [], width: 320, height: 240 });
  });

  it('stops when cancelled and refuses nonsense options', async () => {
    const controller = new AbortController();
    controller.abort();
    const early = await recognizeText(page, models, charset, { signal: controller.signal }).catch((e: unknown) => e);
    expect((early as TesseraError).code).toBe('CANCELLED');

    // Cancelled while the detector runs: nothing after it starts.
    const mid = new AbortController();
    let recCalls = 0;
    const spying = {
      det: { ...models.det, run: async (f: Parameters<OnnxRunner['run']>[0]) => {
        const out = await models.det.run(f);
        mid.abort();
        return out;
      } },
      cls: models.cls,
      rec: { ...models.rec, run: async (f: Parameters<OnnxRunner['run']>[0]) => (recCalls++, models.rec.run(f)) },
    };
    const late = await recognizeText(page, spying, charset, { signal: mid.signal }).catch((e: unknown) => e);
    expect((late as TesseraError).code).toBe('CANCELLED');
    expect(recCalls).toBe(0);

    const bad = await recognizeText(page, models, charset, { detThreshold: 2 }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(TesseraError);
    expect((bad as TesseraError).code).toBe('BAD_USER_INPUT');
  });

  it('keeps the spaces of a dense 14-line receipt with the settings the shipped manifest uses', async () => {
    // With unclipRatio 1.5 the boxes hug the glyphs so tightly that the recogniser reads
    // 10 of these 14 lines without their spaces ("Total28.61EUR"); 2.0 reads 13 exactly.
    const receipt = [
      'Invoice 2026 No 4471', 'Coffee beans 1kg 18.90 EUR', 'Milk 2 x 1.15 EUR', 'Bread rye 3.40 EUR',
      'Oat flakes 2.25 EUR', 'Subtotal 26.85 EUR', 'VAT 7% 1.76 EUR', 'Total 28.61 EUR', 'Paid by card',
      'Thank you for shopping', 'Open daily 8-20', 'www.example.shop', 'Tel 030 1234 5678', 'Receipt 2026-11-29 10:42',
    ];
    const words = receipt.map((text, i) => ({ text, x: 30, y: 40 + i * 48 }));
    const body = words.map((w) => `<text x="${w.x}" y="${w.y}" font-family="${FONT}" font-size="28" fill="#111">${w.text}</text>`).join('');
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="720"><rect width="100%" height="100%" fill="#fff"/>${body}</svg>`;
    const image = await decodeImage(await sharp(Buffer.from(svg)).png().toBuffer(), { maxPixels: 10_000_000 });
    const { settings } = JSON.parse(readFileSync('models/paddleocr-v4/model.json', 'utf8'));
    const { lines } = await recognizeText(image, models, charset, settings);
    expect(lines).toHaveLength(receipt.length);
    const exact = receipt.filter((line) => lines.some((l) => l.text === line));
    expect(exact.length).toBeGreaterThanOrEqual(12);
  });
});

describe('OCR building blocks', () => {
  it('has the charset the recogniser was trained with: blank + 6623 characters + space', () => {
    expect(charset).toHaveLength(6623);
    const alphabet = ctcAlphabet(charset, 6625);
    expect(alphabet[0]).toBe('');
    expect(alphabet[6624]).toBe(' ');
    expect(() => ctcAlphabet(charset, 97)).toThrow(TesseraError);
  });

  it('decodes CTC greedily: repeats merge, blanks separate, spaces recovered from under the blank', () => {
    const alphabet = ['', 'a', 'b', ' '];
    // Steps: a a _ a b b _(space 0.3) b
    const steps = [
      [0.1, 0.8, 0.05, 0.05],
      [0.1, 0.7, 0.1, 0.1],
      [0.9, 0.05, 0.05, 0],
      [0.1, 0.6, 0.2, 0.1],
      [0.1, 0.1, 0.8, 0],
      [0.2, 0.1, 0.7, 0],
      [0.6, 0, 0.1, 0.3],
      [0.1, 0, 0.9, 0],
    ];
    const probs = Float32Array.from(steps.flat());
    const plain = ctcGreedy(probs, 0, steps.length, 4, alphabet);
    expect(plain.text).toBe('aabb');
    expect(plain.confidence).toBeCloseTo((0.8 + 0.6 + 0.8 + 0.9) / 4, 5);
    expect(ctcGreedy(probs, 0, steps.length, 4, alphabet, 0.25).text).toBe('aab b');
    expect(ctcGreedy(probs, 0, steps.length, 4, alphabet, 0.35).text).toBe('aabb');
  });

  it('finds the minimum-area rectangle of a turned rectangle', () => {
    const rect = { center: { x: 100, y: 60 }, width: 80, height: 20, angle: 0.3 };
    const inside = [...rectCorners(rect), { x: 100, y: 60 }, { x: 110, y: 62 }];
    const found = minAreaRect(convexHull(inside));
    expect(found.width * found.height).toBeCloseTo(1600, 6);
    expect(Math.max(found.width, found.height)).toBeCloseTo(80, 6);
    expect(found.center.x).toBeCloseTo(100, 6);
    expect(found.center.y).toBeCloseTo(60, 6);
  });

  it('grows a rectangle exactly as offsetting its outline with clipper-lib does', () => {
    for (const [width, height, angle, distance] of [
      [300, 14, 0, 9.8],
      [120, 30, 0.4, 22],
      [50, 50, -1.1, 5],
    ]) {
      const rect = { center: { x: 400, y: 300 }, width, height, angle };
      const scale = 1000;
      const offset = new ClipperLib.ClipperOffset(2, 0.01 * scale);
      offset.AddPath(
        rectCorners(rect).map((p) => ({ X: Math.round(p.x * scale), Y: Math.round(p.y * scale) })),
        ClipperLib.JoinType.jtRound,
        ClipperLib.EndType.etClosedPolygon,
      );
      const solution: { X: number; Y: number }[][] = [];
      offset.Execute(solution, distance * scale);
      const theirs = minAreaRect(convexHull(solution[0].map((p) => ({ x: p.X / scale, y: p.Y / scale }))));
      const ours = growRect(rect, distance);
      expect(theirs.width * theirs.height).toBeCloseTo(ours.width * ours.height, -1);
      expect(Math.abs(theirs.width * theirs.height - ours.width * ours.height) / (ours.width * ours.height)).toBeLessThan(1e-3);
    }
  });

  it('orders boxes into rows, then left to right', () => {
    const box = (x: number, y: number, w = 50, h = 20): Point[] => [
      { x, y },
      { x: x + w, y },
      { x: x + w, y: y + h },
      { x, y: y + h },
    ];
    // Row two's right box sits a little higher than its left one; row one is given last.
    expect(readingOrder([box(300, 98), box(10, 100), box(10, 10), box(200, 12)])).toEqual([
      [2, 3],
      [1, 0],
    ]);
  });

  it('crops an axis-aligned quad to exactly those pixels, and a turned quad to them reversed', () => {
    const width = 8;
    const height = 6;
    const data = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37) % 251);
    const image = { data, width, height };
    const quad = [
      { x: 2, y: 1 },
      { x: 6, y: 1 },
      { x: 6, y: 4 },
      { x: 2, y: 4 },
    ];
    const crop = sampleQuad(image, quad, 4, 3);
    const turned = sampleQuad(image, turnQuad180(quad), 4, 3);
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 4; x++) {
        for (let c = 0; c < 3; c++) {
          const source = data[((y + 1) * width + (x + 2)) * 3 + c];
          expect(crop[(y * 4 + x) * 3 + c]).toBe(source);
          expect(turned[((2 - y) * 4 + (3 - x)) * 3 + c]).toBe(source);
        }
      }
    }
  });
});
