/**
 * API key material. A key is 32 random bytes, so a plain sha256 is a safe thing to store
 * (no salt or slow hash needed: there is no dictionary to guess from). The prefix lets
 * secret scanners and people recognise a Tessera key.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const KEY_PREFIX = 'tsk_';
const KEY_SHAPE = /^tsk_[A-Za-z0-9_-]{43}$/;

export function generateKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Cheap shape check, so garbage never reaches the database. */
export function looksLikeKey(value: string): boolean {
  return KEY_SHAPE.test(value);
}

/** Compares two hex digests in constant time. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
