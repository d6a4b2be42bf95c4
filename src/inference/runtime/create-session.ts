/**
 * Opens one ONNX file on the requested execution provider, falling back to the CPU when
 * that provider is missing from this build or cannot start on this machine. The caller
 * learns which provider it got and why it fell back.
 */
import * as ort from 'onnxruntime-node';
import type { ExecutionProviderName } from '../types.js';
import { ortSessionOptions, type SessionSettings } from './options.js';

export interface CreatedSession {
  session: ort.InferenceSession;
  executionProvider: ExecutionProviderName;
  /** Set when the requested provider was not used. */
  fallbackReason?: string;
}

function providerAbsence(provider: ExecutionProviderName): string | undefined {
  const known = ort.listSupportedBackends().find((backend) => backend.name === provider);
  return known ? undefined : `this onnxruntime-node build has no "${provider}" backend`;
}

export async function createSession(path: string, settings: SessionSettings): Promise<CreatedSession> {
  const requested = settings.executionProvider;
  if (requested === 'cpu') {
    return { session: await ort.InferenceSession.create(path, ortSessionOptions(settings, 'cpu')), executionProvider: 'cpu' };
  }
  let fallbackReason = providerAbsence(requested);
  if (fallbackReason === undefined) {
    try {
      const session = await ort.InferenceSession.create(path, ortSessionOptions(settings, requested));
      return { session, executionProvider: requested };
    } catch (error) {
      fallbackReason = `the "${requested}" provider failed to start: ${(error as Error).message.split('\n')[0]}`;
    }
  }
  const session = await ort.InferenceSession.create(path, ortSessionOptions(settings, 'cpu'));
  return { session, executionProvider: 'cpu', fallbackReason };
}
