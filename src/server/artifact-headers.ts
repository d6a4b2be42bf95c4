/**
 * How an artifact is labelled when served. Artifacts are client bytes on the console's own
 * origin, so only media a browser renders without running anything is served inline; the rest
 * (SVG, HTML, PDF, unknown) is a download of opaque bytes. nosniff stops the browser from
 * second-guessing the label, and the CSP denies scripts even to a document that slips through.
 */
const INLINE_TYPES = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/bmp',
  'audio/wav',
  'audio/mpeg',
  'audio/ogg',
  'audio/flac',
  'audio/mp4',
  'audio/aac',
  'audio/webm',
]);

export const ARTIFACT_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox";

/** The web console's pages: its own scripts only, media from the server and from blobs it builds. */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob: data:",
  "connect-src 'self' ws: wss:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function artifactHeaders(artifact: { id: string; contentType: string }): Record<string, string> {
  const inline = INLINE_TYPES.has(artifact.contentType);
  return {
    'content-type': inline ? artifact.contentType : 'application/octet-stream',
    'content-disposition': inline ? 'inline' : `attachment; filename="${artifact.id}"`,
    'x-content-type-options': 'nosniff',
    'content-security-policy': ARTIFACT_CSP,
  };
}
