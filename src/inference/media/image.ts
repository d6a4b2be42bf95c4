/**
 * Image bytes → upright 8-bit RGB pixels. sharp (libvips) does the decoding; this file
 * decides what counts as the client's fault and keeps the pixel budget before decoding.
 */
import sharp, { type Metadata, type SharpOptions } from 'sharp';
import { TesseraError } from '../../errors.js';
import { sniffMediaType } from './sniff.js';

export interface DecodedImage {
  /** RGB interleaved, 3 channels, row-major, no padding. */
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Vector and document formats are rendered rather than decoded: their size is whatever the
 * renderer is asked for, and librsvg/poppler are a far wider surface than a raster decoder.
 */
const RENDERED_FORMATS = new Set(['svg', 'pdf']);

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function decodeImage(bytes: Uint8Array, limits: { maxPixels: number }): Promise<DecodedImage> {
  const sniffed = sniffMediaType(bytes);
  if (sniffed !== null && (!sniffed.startsWith('image/') || sniffed === 'image/svg+xml')) {
    throw new TesseraError('UNSUPPORTED_MEDIA_TYPE', `Expected a raster image, got ${sniffed}.`, { contentType: sniffed });
  }
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Reading the header decodes no pixels, so it runs unguarded and the limit check below can
  // name the size; sharp's own guard then stays on for the decode as a second line.
  // 'truncated' fails cut-off uploads but lets through the benign warnings (stray bytes before
  // a JPEG marker, odd PNG chunks) that phone and scanner images often carry.
  const headerOptions: SharpOptions = { failOn: 'truncated', limitInputPixels: false };
  const options: SharpOptions = { failOn: 'truncated', limitInputPixels: Math.max(1, Math.floor(limits.maxPixels)) };

  let metadata: Metadata;
  try {
    metadata = await sharp(input, headerOptions).metadata();
  } catch (error) {
    if (sniffed === null) {
      throw new TesseraError('UNSUPPORTED_MEDIA_TYPE', 'The bytes are not an image format this server reads.', undefined, {
        cause: error,
      });
    }
    throw new TesseraError('BAD_USER_INPUT', `The ${sniffed} image is corrupt: ${describe(error)}`, { contentType: sniffed }, {
      cause: error,
    });
  }
  if (RENDERED_FORMATS.has(metadata.format ?? '')) {
    throw new TesseraError('UNSUPPORTED_MEDIA_TYPE', `Expected a raster image, got ${metadata.format}.`, {
      format: metadata.format,
    });
  }
  const width = metadata.width ?? 0;
  const height = metadata.height ?? 0;
  if (width <= 0 || height <= 0) {
    throw new TesseraError('BAD_USER_INPUT', 'The image header gives no size.', { format: metadata.format });
  }
  if (width * height > limits.maxPixels) {
    throw new TesseraError(
      'PAYLOAD_TOO_LARGE',
      `The image is ${width}×${height} = ${width * height} pixels; the limit is ${limits.maxPixels}.`,
      { width, height, pixels: width * height, maxPixels: limits.maxPixels },
    );
  }

  try {
    const { data, info } = await sharp(input, options)
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
      throw new Error(`decoder gave ${info.channels} channels, ${data.length} bytes for ${info.width}×${info.height}`);
    }
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (error) {
    throw new TesseraError(
      'BAD_USER_INPUT',
      `The ${sniffed ?? metadata.format ?? 'image'} image could not be decoded: ${describe(error)}`,
      { format: metadata.format },
      { cause: error },
    );
  }
}
