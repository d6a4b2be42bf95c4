/**
 * OCR with PaddleOCR-style models: detect text boxes (DB), put each upright (direction
 * classifier), read it (CTC recogniser), and lay the lines out in reading order.
 */
import { Tensor } from 'onnxruntime-node';
import { TesseraError, throwIfAborted } from '../../../errors.js';
import type { OcrLine, OnnxRunner, Point } from '../../types.js';
import type { DecodedImage } from '../../media/image.js';
import { upsideDown } from './classify.js';
import { turnQuad180, turnQuad90 } from './crop.js';
import { boxesFromProbabilities, prepareDetInput } from './detect.js';
import { quadSize, readingOrder } from './geometry.js';
import { fromReadingFrame, fromTopLeft, pageTurn, toReadingFrame, uprightImage, type PageTurn } from './orientation.js';
import { readQuads } from './read.js';

export interface OcrOptions {
  /** The detector's input is scaled down so its longer side is at most this (then to multiples of 32). */
  detLimitSideLen?: number;
  /** Probability above which a map pixel counts as text. */
  detThreshold?: number;
  /** Mean probability a box needs to be kept. */
  boxThreshold?: number;
  /**
   * How far boxes are grown, as area·ratio/perimeter. 2.0 rather than the older 1.5: the
   * margin it leaves is what lets the recogniser see the gaps between Latin words.
   */
  unclipRatio?: number;
  /** Boxes with a shorter side (detector pixels) are dropped. */
  minBoxSize?: number;
  /** Confidence the classifier needs before a crop is turned 180°. */
  clsThreshold?: number;
  recImageHeight?: number;
  recBatchSize?: number;
  /** Lines read with a lower mean character confidence are dropped. */
  minConfidence?: number;
}

export const OCR_DEFAULTS: Required<OcrOptions> = {
  detLimitSideLen: 960,
  detThreshold: 0.3,
  boxThreshold: 0.6,
  unclipRatio: 2.0,
  minBoxSize: 3,
  clsThreshold: 0.9,
  recImageHeight: 48,
  recBatchSize: 6,
  minConfidence: 0.5,
};

/** Beyond this many regions the map is noise, not text. */
const MAX_CANDIDATES = 1000;
/** PaddleOCR's rule: a crop this much taller than wide is vertical text, read turned 90°. */
const VERTICAL_ASPECT = 1.5;

const RANGES: Record<keyof OcrOptions, [number, number, boolean]> = {
  detLimitSideLen: [32, 4096, true],
  detThreshold: [0, 1, false],
  boxThreshold: [0, 1, false],
  unclipRatio: [0, 10, false],
  minBoxSize: [0, 1000, false],
  clsThreshold: [0, 1, false],
  recImageHeight: [8, 256, true],
  recBatchSize: [1, 256, true],
  minConfidence: [0, 1, false],
};

function resolveOptions(options: OcrOptions): Required<OcrOptions> {
  const resolved = { ...OCR_DEFAULTS };
  for (const key of Object.keys(RANGES) as (keyof OcrOptions)[]) {
    const value = options[key];
    if (value === undefined) continue;
    const [min, max, integer] = RANGES[key];
    if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
      throw new TesseraError('BAD_USER_INPUT', `OCR option ${key} must be ${integer ? 'an integer ' : ''}in [${min}, ${max}], got ${value}.`, {
        option: key,
        value,
      });
    }
    resolved[key] = value;
  }
  return resolved;
}

interface LocatedLines {
  /** Detector quads on the page as it lies. */
  quads: Point[][];
  /** The same quads with their corners in the order their text reads. */
  readingQuads: Point[][];
  turn: PageTurn;
}

/** Detection and the direction classifier: where the lines are and which way each reads. */
async function locateLines(
  image: DecodedImage,
  models: { det: OnnxRunner; cls?: OnnxRunner },
  settings: Required<OcrOptions>,
  signal: AbortSignal | undefined,
): Promise<LocatedLines | null> {
  const det = await prepareDetInput(image, settings.detLimitSideLen);
  throwIfAborted(signal);
  const detOutputs = await models.det.run(
    { [models.det.inputNames[0]]: new Tensor('float32', det.data, [1, 3, det.height, det.width]) },
    signal,
  );
  const map = detOutputs[models.det.outputNames[0]];
  const [mapHeight, mapWidth] = map.dims.slice(-2);
  const boxes = boxesFromProbabilities(map.data as Float32Array, mapWidth, mapHeight, image.width, image.height, {
    threshold: settings.detThreshold,
    boxThreshold: settings.boxThreshold,
    unclipRatio: settings.unclipRatio,
    minBoxSize: settings.minBoxSize,
    maxCandidates: MAX_CANDIDATES,
  });
  if (boxes.length === 0) return null;

  const quads = boxes.map((b) => b.quad);
  // The quad as the text reads: tall boxes hold vertical text, read turned a quarter.
  let readingQuads = quads.map((quad) => {
    const size = quadSize(quad);
    return size.height >= size.width * VERTICAL_ASPECT ? turnQuad90(quad) : quad;
  });
  if (models.cls) {
    throwIfAborted(signal);
    const flips = await upsideDown(image, readingQuads, models.cls, {
      threshold: settings.clsThreshold,
      batchSize: settings.recBatchSize,
      signal,
    });
    readingQuads = readingQuads.map((quad, i) => (flips[i] ? turnQuad180(quad) : quad));
  }
  return { quads, readingQuads, turn: pageTurn(readingQuads) };
}

/**
 * `lines` are the recognised boxes in reading order, each with its quad in source pixels.
 * `text` is the page: boxes on one row joined by a space, rows by "\n" (so a row the detector
 * split into two boxes still reads as one line). `charset` is the dictionary file's characters
 * (see parseCharset); the blank and the trailing space come from the recogniser's class count.
 */
export async function recognizeText(
  image: DecodedImage,
  models: { det: OnnxRunner; cls?: OnnxRunner; rec: OnnxRunner },
  charset: string[],
  options: OcrOptions & { signal?: AbortSignal } = {},
): Promise<{ text: string; lines: OcrLine[]; width: number; height: number }> {
  const { signal } = options;
  const settings = resolveOptions(options);
  throwIfAborted(signal);
  const empty = { text: '', lines: [], width: image.width, height: image.height };

  let page = image;
  let located = await locateLines(page, models, settings, signal);
  if (!located) return empty;
  let toSource = (quad: Point[]) => quad;
  if (located.turn === 90 || located.turn === 270) {
    const back = fromReadingFrame(located.turn, image.width, image.height);
    toSource = (quad) => fromTopLeft(quad.map(back));
    page = uprightImage(image, located.turn);
    throwIfAborted(signal);
    located = await locateLines(page, models, settings, signal);
    if (!located) return empty;
  }
  const { quads, readingQuads } = located;
  // Lines are ordered on the page as it reads: a page turned a half starts at its bottom.
  const asRead = toReadingFrame(located.turn, page.width, page.height);
  const rows = readingOrder(quads.map((quad) => quad.map(asRead)));
  const ordered = rows.flat();
  throwIfAborted(signal);
  const reads = await readQuads(
    page,
    ordered.map((i) => readingQuads[i]),
    models.rec,
    charset,
    { height: settings.recImageHeight, batchSize: settings.recBatchSize, signal },
  );

  const lines: OcrLine[] = [];
  const rowTexts: string[] = [];
  let cursor = 0;
  for (const row of rows) {
    const words: string[] = [];
    for (let k = 0; k < row.length; k++, cursor++) {
      const read = reads[cursor];
      const text = read.text.trim();
      if (text === '' || read.confidence < settings.minConfidence) continue;
      const box: Point[] = toSource(quads[ordered[cursor]].map((p) => ({ ...p })));
      lines.push({ text, confidence: read.confidence, box });
      words.push(text);
    }
    if (words.length > 0) rowTexts.push(words.join(' '));
  }
  return { text: rowTexts.join('\n'), lines, width: image.width, height: image.height };
}
