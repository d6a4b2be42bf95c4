/** Messages between a session host and its worker thread. */
import type { ExecutionProviderName } from '../types.js';
import type { SessionSettings } from './options.js';
import type { GraphMetadata } from '../repository/signature.js';
import type { WireFeeds } from './tensor-wire.js';

export interface LoadReport {
  executionProvider: ExecutionProviderName;
  fallbackReasons: string[];
  metadata: Record<string, GraphMetadata>;
}

export type HostRequest =
  | { id: number; op: 'load'; files: Record<string, string>; settings: SessionSettings }
  | { id: number; op: 'run'; key: string; feeds: WireFeeds }
  | { id: number; op: 'release' };

export type HostReply =
  | { id: number; ok: true; load: LoadReport }
  | { id: number; ok: true; outputs: WireFeeds }
  | { id: number; ok: true }
  | { id: number; ok: false; message: string };
