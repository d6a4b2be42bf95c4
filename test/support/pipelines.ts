/**
 * Shared by the pipeline tests: a receipt rendered for OCR, a runPipeline subscription read
 * to its end over graphql-ws, and the rows a pipeline left in the database.
 */
import sharp from 'sharp';
import type { Client } from 'graphql-ws';
import type { TestServer } from './app.js';
import { subscribeWs } from './client.js';
import { RunPipelineDocument, type RunPipelineInput, type RunPipelineSubscription } from '../generated/graphql.js';

export type PipelineEventResult = RunPipelineSubscription['runPipeline'];

/** Text at (x, baseline y); the page PaddleOCR reads exactly in the OCR tests. */
export const RECEIPT = [
  { text: 'Invoice 2026', x: 40, y: 90 },
  { text: 'Total 42.50 EUR', x: 40, y: 190 },
  { text: 'Due 2026-04-01', x: 40, y: 290 },
  { text: 'Paid', x: 500, y: 290 },
];
export const RECEIPT_TEXT = 'Invoice 2026\nTotal 42.50 EUR\nDue 2026-04-01 Paid';

export function renderReceipt(): Promise<Buffer> {
  const text = RECEIPT.map((w) => `<text x="${w.x}" y="${w.y}" font-family="DejaVu Sans" font-size="40" fill="#111">${w.text}</text>`).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><rect width="100%" height="100%" fill="#fff"/>${text}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/**
 * Runs a pipeline over graphql-ws and returns its events (and the GraphQL errors, if it was
 * refused). `onEvent` may act mid-stream (cancel); returning 'leave' disconnects right there.
 */
export async function runPipelineWs(
  client: Client,
  input: RunPipelineInput,
  onEvent?: (event: PipelineEventResult) => Promise<'leave' | void> | 'leave' | void,
): Promise<{ events: PipelineEventResult[]; errors: { message: string; extensions?: Record<string, unknown> }[] }> {
  const events: PipelineEventResult[] = [];
  try {
    for await (const result of subscribeWs(client, RunPipelineDocument, { input })) {
      if (result.errors) return { events, errors: result.errors as never };
      events.push(result.data!.runPipeline);
      if ((await onEvent?.(result.data!.runPipeline)) === 'leave') break;
    }
  } catch (error) {
    // graphql-ws rejects with the error list when the operation fails before its first event.
    if (Array.isArray(error)) return { events, errors: error };
    throw error;
  }
  return { events, errors: [] };
}

export function ofType<T extends PipelineEventResult['__typename']>(events: PipelineEventResult[], type: T) {
  return events.filter((e): e is Extract<PipelineEventResult, { __typename: T }> => e.__typename === type);
}

/** The pipeline's row and its children straight from the database, in creation order. */
export async function pipelineRows(server: TestServer, id: string) {
  const prisma = server.app.services.db.prisma;
  const parent = await prisma.inferenceRequest.findUnique({ where: { id } });
  const steps = await prisma.inferenceRequest.findMany({ where: { parentId: id }, orderBy: { id: 'asc' } });
  return { parent, steps };
}

export function requestCount(server: TestServer): Promise<number> {
  return server.app.services.db.prisma.inferenceRequest.count();
}

/** Polls until the request has a final status (the pump settles rows after the client has left). */
export async function settled(server: TestServer, id: string) {
  for (let i = 0; i < 400; i++) {
    const { parent, steps } = await pipelineRows(server, id);
    if (parent && parent.status !== 'QUEUED' && parent.status !== 'RUNNING') return { parent, steps };
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`pipeline ${id} never reached a final state`);
}
