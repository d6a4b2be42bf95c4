/** The models CLI's stdout and stderr captured as strings, for tests that run it in-process. */
import type { CliIo } from '../../src/cli/models.js';

export function capture(env: Record<string, string>) {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (err += t) }, env };
  return { io, out: () => out, err: () => err };
}
