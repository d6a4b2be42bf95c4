/**
 * Raw probes for the security tests: documents and bodies a hostile client would send, built
 * by hand (no codegen, since most are not valid operations), and a WAV header with any rate.
 */
export interface RawResult {
  status: number;
  headers: Headers;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] } | null;
}

export async function postGraphql(
  url: string,
  payload: { query: string; variables?: Record<string, unknown> } | string,
  headers: Record<string, string> = {},
): Promise<RawResult> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  const text = await response.text();
  let body: RawResult['body'] = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: response.status, headers: response.headers, body };
}

export const firstCode = (result: RawResult) => result.body?.errors?.[0]?.extensions?.code;

/** A 16-bit mono PCM WAV whose header declares `sampleRate`, holding `frames` zero samples. */
export function wavWithRate(sampleRate: number, frames: number, channels = 1): Uint8Array {
  const dataBytes = frames * 2 * channels;
  const bytes = new Uint8Array(44 + dataBytes);
  const view = new DataView(bytes.buffer);
  const ascii = (offset: number, text: string) => [...text].forEach((c, i) => (bytes[offset + i] = c.charCodeAt(0)));
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate >>> 0, true);
  view.setUint32(28, ((sampleRate * 2 * channels) >>> 0) & 0xffffffff, true);
  view.setUint16(32, 2 * channels, true);
  view.setUint16(34, 16, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  return bytes;
}
