/**
 * Decoded RGB pixels → a model's `pixel_values`, following the fields of a Hugging Face
 * `preprocessor_config.json` (ViT, ResNet, MobileNet, CLIP, SigLIP image processors):
 * resize, center crop, rescale, normalize, channel order, planar (CHW) float32.
 */
import sharp, { type KernelEnum } from 'sharp';
import type { DecodedImage } from '../../media/image.js';
import type { Json } from './model-files.js';

export type ResizeTarget =
  | { kind: 'shortest_edge'; shortestEdge: number; longestEdge?: number }
  | { kind: 'longest_edge'; longestEdge: number }
  | { kind: 'exact'; height: number; width: number };

export interface ImageProcessorConfig {
  resize: ResizeTarget | null;
  kernel: keyof KernelEnum;
  crop: { height: number; width: number } | null;
  /** Multiplies 0..255 values first; null leaves them as they are. */
  rescaleFactor: number | null;
  normalize: { mean: [number, number, number]; std: [number, number, number] } | null;
  /** BGR for processors trained on OpenCV-ordered inputs (`do_flip_channel_order`). */
  channelOrder: 'RGB' | 'BGR';
}

/** One image ready for the graph: planar float32, channel-first. */
export interface PixelValues {
  data: Float32Array;
  height: number;
  width: number;
}

/** PIL's resample codes, as the configs store them, mapped to the nearest libvips kernel. */
const RESAMPLE: Record<number, keyof KernelEnum> = {
  0: 'nearest',
  1: 'lanczos3',
  2: 'linear',
  3: 'cubic',
  4: 'linear',
  5: 'linear',
};

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}

function triple(value: unknown, fallback: number): [number, number, number] {
  if (typeof value === 'number') return [value, value, value];
  if (Array.isArray(value) && value.length === 3 && value.every((v) => typeof v === 'number')) return value as [number, number, number];
  return [fallback, fallback, fallback];
}

function size2d(value: unknown): { height: number; width: number } | null {
  if (typeof value === 'number') return { height: value, width: value };
  if (value && typeof value === 'object') {
    const v = value as Json;
    const height = positive(v.height);
    const width = positive(v.width);
    if (height && width) return { height, width };
  }
  return null;
}

function resizeTarget(config: Json): ResizeTarget | null {
  const size = config.size;
  // A bare number meant "shortest edge" for CLIP-style processors and a square for the rest.
  if (typeof size === 'number') {
    const type = String(config.image_processor_type ?? config.feature_extractor_type ?? '');
    return /clip|chinese/i.test(type) && config.default_to_square !== true
      ? { kind: 'shortest_edge', shortestEdge: size }
      : { kind: 'exact', height: size, width: size };
  }
  if (size && typeof size === 'object') {
    const s = size as Json;
    const shortest = positive(s.shortest_edge);
    const longest = positive(s.longest_edge);
    if (shortest) return { kind: 'shortest_edge', shortestEdge: shortest, longestEdge: longest };
    if (longest) return { kind: 'longest_edge', longestEdge: longest };
    const exact = size2d(s);
    if (exact) return { kind: 'exact', ...exact };
  }
  return null;
}

/**
 * ConvNeXt-style processors (ResNet exports use them) crop by `crop_pct` instead of
 * `crop_size`: below 384 the shortest edge goes to size / crop_pct and a size × size center
 * crop follows; from 384 up the image is simply resized to size × size.
 */
function cropPctRule(c: Json, resize: ResizeTarget | null): Pick<ImageProcessorConfig, 'resize' | 'crop'> | null {
  const pct = positive(c.crop_pct);
  if (!pct || resize?.kind !== 'shortest_edge') return null;
  const size = resize.shortestEdge;
  if (size >= 384) return { resize: { kind: 'exact', height: size, width: size }, crop: null };
  return { resize: { kind: 'shortest_edge', shortestEdge: Math.floor(size / pct) }, crop: { height: size, width: size } };
}

/** Reads the processor fields; a missing file (null) means the ViT defaults: 224², mean/std 0.5. */
export function parseImageProcessor(config: Json | null, overrides: { channelOrder?: unknown } = {}): ImageProcessorConfig {
  const c = config ?? { size: { height: 224, width: 224 } };
  const resample = typeof c.resample === 'number' ? c.resample : 2;
  const flip = c.do_flip_channel_order === true || overrides.channelOrder === 'BGR';
  const resize = c.do_resize === false ? null : resizeTarget(c);
  const convNext = cropPctRule(c, resize);
  return {
    resize: convNext?.resize ?? resize,
    kernel: RESAMPLE[resample] ?? 'linear',
    crop: convNext ? convNext.crop : c.do_center_crop === true ? size2d(c.crop_size) : null,
    rescaleFactor: c.do_rescale === false ? null : (positive(c.rescale_factor) ?? 1 / 255),
    normalize: c.do_normalize === false ? null : { mean: triple(c.image_mean, 0.5), std: triple(c.image_std, 0.5) },
    channelOrder: flip ? 'BGR' : 'RGB',
  };
}

/** The size the resize step gives, by the processors' rules (the long side is truncated, not rounded). */
export function resizedSize(width: number, height: number, target: ResizeTarget): { width: number; height: number } {
  if (target.kind === 'exact') return { width: target.width, height: target.height };
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  let newShort: number;
  let newLong: number;
  if (target.kind === 'shortest_edge') {
    newShort = target.shortestEdge;
    newLong = Math.floor((target.shortestEdge * long) / short);
    if (target.longestEdge !== undefined && newLong > target.longestEdge) {
      newShort = Math.floor((target.longestEdge * newShort) / newLong);
      newLong = target.longestEdge;
    }
  } else {
    newLong = target.longestEdge;
    newShort = Math.max(1, Math.floor((target.longestEdge * short) / long));
  }
  return width <= height ? { width: newShort, height: newLong } : { width: newLong, height: newShort };
}

async function resize(image: DecodedImage, width: number, height: number, kernel: keyof KernelEnum): Promise<DecodedImage> {
  if (width === image.width && height === image.height) return image;
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

/**
 * Center crop as the processors do it: offsets floor((size - crop) / 2), and a crop larger
 * than the image pads with zeros around it. Then rescale, normalize and go planar.
 */
function toPlanar(image: DecodedImage, config: ImageProcessorConfig): PixelValues {
  const height = config.crop?.height ?? image.height;
  const width = config.crop?.width ?? image.width;
  const top = Math.floor((image.height - height) / 2);
  const left = Math.floor((image.width - width) / 2);
  const plane = height * width;
  const data = new Float32Array(3 * plane);
  const scale = config.rescaleFactor ?? 1;
  const order = config.channelOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  for (let c = 0; c < 3; c++) {
    const source = order[c];
    const mean = config.normalize?.mean[c] ?? 0;
    const std = config.normalize?.std[c] ?? 1;
    for (let y = 0; y < height; y++) {
      const sy = y + top;
      for (let x = 0; x < width; x++) {
        const sx = x + left;
        const inside = sy >= 0 && sy < image.height && sx >= 0 && sx < image.width;
        const raw = inside ? image.data[(sy * image.width + sx) * 3 + source] : 0;
        data[c * plane + y * width + x] = (raw * scale - mean) / std;
      }
    }
  }
  return { data, height, width };
}

export async function preprocessImage(image: DecodedImage, config: ImageProcessorConfig): Promise<PixelValues> {
  const target = config.resize ? resizedSize(image.width, image.height, config.resize) : image;
  return toPlanar(await resize(image, target.width, target.height, config.kernel), config);
}
