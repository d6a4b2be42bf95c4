/**
 * The sessions of one model (one per .onnx file), created together on one provider. Used
 * directly on the calling thread, or inside a worker by `session-worker.ts`.
 */
import type * as ort from 'onnxruntime-node';
import type { GraphMetadata } from '../repository/signature.js';
import { createSession } from './create-session.js';
import type { SessionSettings } from './options.js';
import type { LoadReport } from './worker-protocol.js';

export class SessionLoadError extends Error {
  override name = 'SessionLoadError';
}

function metadataOf(session: ort.InferenceSession): GraphMetadata {
  // Copied into plain objects so the metadata can cross a thread boundary.
  const plain = (m: ort.InferenceSession.ValueMetadata) =>
    m.isTensor ? { name: m.name, isTensor: true, type: m.type, shape: [...m.shape] } : { name: m.name, isTensor: false };
  return { inputs: session.inputMetadata.map(plain), outputs: session.outputMetadata.map(plain) };
}

export class SessionSet {
  private readonly sessions = new Map<string, ort.InferenceSession>();

  /** Opens every file; after one falls back to the CPU the rest go straight there. */
  async load(files: Record<string, string>, settings: SessionSettings): Promise<LoadReport> {
    let current = settings;
    const fallbackReasons: string[] = [];
    const metadata: Record<string, GraphMetadata> = {};
    try {
      for (const [key, path] of Object.entries(files)) {
        let created;
        try {
          created = await createSession(path, current);
        } catch (error) {
          throw new SessionLoadError(`files.${key}: ${path} cannot be loaded by onnxruntime: ${(error as Error).message}`);
        }
        this.sessions.set(key, created.session);
        metadata[key] = metadataOf(created.session);
        if (created.fallbackReason !== undefined) {
          fallbackReasons.push(`files.${key}: ${created.fallbackReason}`);
          current = { ...current, executionProvider: 'cpu' };
        }
      }
    } catch (error) {
      await this.release();
      throw error;
    }
    return { executionProvider: current.executionProvider, fallbackReasons, metadata };
  }

  async run(key: string, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    const session = this.sessions.get(key);
    if (!session) throw new Error(`no session "${key}" is loaded`);
    return (await session.run(feeds)) as Record<string, ort.Tensor>;
  }

  async release(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(sessions.map((s) => s.release()));
  }
}
