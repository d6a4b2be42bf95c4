/**
 * The probe set of issue 12: small hostile requests (each under 64 KB) that used to freeze the
 * server or crash a request. Each is sent to a running server in this process while the event
 * loop's delay is recorded (perf_hooks.monitorEventLoopDelay), so a probe that makes the server
 * compute on the loop shows up as a stall. Target: no stall over 250 ms.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { wavWithRate } from '../test/support/probes.js';

export interface Probe {
  name: string;
  /** What the server must answer: an HTTP status (the probe is refused or served). */
  send(base: string): Promise<{ status: number; code?: string }>;
  /** Bytes on the wire, to hold the set to the < 64 KB rule. */
  bytes: number;
}

const GRAPHQL_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

function graphqlProbe(name: string, query: string, variables?: Record<string, unknown>): Probe {
  const body = JSON.stringify({ query, variables });
  return {
    name,
    bytes: body.length,
    async send(base) {
      const response = await fetch(`${base}/graphql`, { method: 'POST', headers: GRAPHQL_HEADERS, body });
      const json = (await response.json().catch(() => null)) as { errors?: { extensions?: { code?: string } }[] } | null;
      return { status: response.status, code: json?.errors?.[0]?.extensions?.code };
    },
  };
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const speech = 'mutation($b: String!) { detectSpeech(input: { audio: { base64: $b } }) { durationSeconds } }';

export const PROBES: Probe[] = [
  graphqlProbe('parent { } nested 2,000 deep', `{ requests(first: 1) { edges { node { ${'parent { '.repeat(2000)}id${' }'.repeat(2000)} } } } }`),
  graphqlProbe('steps { parent } nested 14 deep', `{ requests(first: 100) { edges { node { ${'steps { parent { '.repeat(7)}id${' } }'.repeat(7)} } } } }`),
  graphqlProbe('1,000 aliases of requests(first: 100)', `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: requests(first: 100) { totalCount }`).join(' ')} }`),
  graphqlProbe('1,000 aliases of generateText', `mutation { ${Array.from({ length: 1000 }, (_, i) => `g${i}: generateText(input: { prompt: "a" }) { text }`).join(' ')} }`),
  graphqlProbe('5,000 tokens of __typename', `{ ${'__typename '.repeat(5000)}}`),
  graphqlProbe('WAV at 40,000,008 Hz', speech, { b: b64(wavWithRate(40_000_008, 200)) }),
  graphqlProbe('WAV at 0xFFFFFFFF Hz', speech, { b: b64(wavWithRate(0xffffffff, 200)) }),
  graphqlProbe('WAV at 1 Hz declaring 590 s', speech, { b: b64(wavWithRate(1, 590)) }),
  graphqlProbe('60,000-character prompt', 'mutation($p: String!) { generateText(input: { prompt: $p, maxTokens: 1 }) { text } }', { p: 'word '.repeat(12_000) }),
  graphqlProbe(
    '60 messages of 1,000 characters',
    'mutation($m: [ChatMessageInput!]!) { generateText(input: { messages: $m, maxTokens: 1 }) { text } }',
    { m: Array.from({ length: 60 }, () => ({ role: 'user', content: 'the '.repeat(250) })) },
  ),
  graphqlProbe(
    '31 messages of 1,000 characters (the most accepted: tokenized, then over the context)',
    'mutation($m: [ChatMessageInput!]!) { generateText(input: { messages: $m, maxTokens: 1 }) { text } }',
    { m: Array.from({ length: 31 }, () => ({ role: 'user', content: 'the '.repeat(250) })) },
  ),
  {
    name: 'form-encoded unloadModel',
    bytes: 80,
    async send(base) {
      const response = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query: 'mutation { unloadModel(name: "tiny-lm") { status } }' }),
      });
      await response.arrayBuffer();
      return { status: response.status };
    },
  },
  {
    name: 'GET /%E0%A4%A',
    bytes: 20,
    async send(base) {
      const response = await fetch(`${base}/%E0%A4%A`);
      await response.arrayBuffer();
      return { status: response.status };
    },
  },
];

/** Loads the models the probes reach (the VAD, the LM) so a first load is not counted as a probe's stall. */
export async function warmUp(base: string): Promise<void> {
  const requests = [
    { query: speech, variables: { b: b64(wavWithRate(16_000, 8000)) } },
    { query: 'mutation { generateText(input: { prompt: "a", maxTokens: 1 }) { text } }' },
  ];
  for (const body of requests) {
    const response = await fetch(`${base}/graphql`, { method: 'POST', headers: GRAPHQL_HEADERS, body: JSON.stringify(body) });
    await response.arrayBuffer();
  }
}

export interface ProbeMeasurement {
  name: string;
  bytes: number;
  status: number;
  code?: string;
  /** Worst event-loop delay seen while the probe was in flight, over all repetitions. */
  maxStallMs: number;
}

/** Sends each probe `repeat` times and reports the worst loop stall it caused. */
export async function measureProbes(base: string, repeat: number): Promise<ProbeMeasurement[]> {
  const out: ProbeMeasurement[] = [];
  for (const probe of PROBES) {
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    let last: { status: number; code?: string } = { status: 0 };
    histogram.enable();
    for (let i = 0; i < repeat; i++) last = await probe.send(base);
    histogram.disable();
    out.push({ name: probe.name, bytes: probe.bytes, ...last, maxStallMs: histogram.max / 1e6 });
  }
  return out;
}
