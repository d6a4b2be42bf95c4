/**
 * Phonemes from Debian's espeak-ng, the phonemizer Piper voices and Kokoro were trained with.
 * It runs as a child process (spawn, never spawnSync) so a long sentence does not stall the
 * event loop, text goes in on stdin so nothing in it can read as an option, and the request's
 * signal kills the process.
 */
import { spawn } from 'node:child_process';
import { TesseraError, abortError } from '../../../errors.js';

/** Generous: one sentence of a few hundred characters phonemizes in tens of milliseconds. */
const TIMEOUT_MS = 10_000;

export interface PhonemizeOptions {
  /** An espeak-ng voice (language), e.g. `en-us`. */
  voice: string;
  /** Put a space between phonemes (and two between words), as our own voice was trained with. */
  separated?: boolean;
  signal?: AbortSignal;
}

/**
 * IPA for `text`, one string per clause: espeak-ng ends a line at each clause break
 * (comma, semicolon, sentence end), which is where its speech pauses.
 */
export async function phonemizeClauses(text: string, options: PhonemizeOptions): Promise<string[]> {
  const args = ['-q', '-v', options.voice, '--ipa'];
  if (options.separated) args.push('--sep= ');
  const output = await runEspeak(args, text.replace(/\s+/g, ' ').trim(), options.signal);
  return output
    .split('\n')
    .map((line) => line.replace(/\u200d/g, '').trim())
    .filter((line) => line.length > 0);
}

function runEspeak(args: string[], input: string, signal: AbortSignal | undefined): Promise<string> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const child = spawn('espeak-ng', args, { stdio: ['pipe', 'pipe', 'pipe'], signal, timeout: TIMEOUT_MS });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (signal?.aborted) reject(abortError(signal));
      else if (error.code === 'ENOENT') reject(new TesseraError('MODEL_NOT_READY', 'espeak-ng is not installed; speech synthesis needs it to phonemize text.'));
      else reject(new TesseraError('INFERENCE_FAILED', `espeak-ng failed: ${error.message}`));
    });
    child.on('close', (code, killedBy) => {
      if (signal?.aborted) return reject(abortError(signal));
      if (code !== 0) {
        const why = killedBy ? `was stopped by ${killedBy}` : `exited with ${code}`;
        return reject(new TesseraError('INFERENCE_FAILED', `espeak-ng ${why}: ${Buffer.concat(stderr).toString('utf8').trim()}`));
      }
      resolve(Buffer.concat(stdout).toString('utf8'));
    });
    child.stdin.on('error', () => {}); // a process that died early reports through 'close'
    child.stdin.end(input, 'utf8');
  });
}
