/**
 * security: the issue-12 probe set against a real server (fixture LM and Silero VAD, SQLite),
 * each probe's worst event-loop stall while in flight. Target: none over 250 ms.
 */
import { createTestModels } from '../../test/support/models-dir.js';
import { startTestServer } from '../../test/support/app.js';
import { fmt, type SuiteReport } from '../lib/report.js';
import type { BenchOptions } from '../lib/setup.js';
import { measureProbes, warmUp } from '../security-probes.js';

const STALL_BUDGET_MS = 250;

export async function security(o: BenchOptions, log: (line: string) => void): Promise<Omit<SuiteReport, 'seconds'>> {
  const repeat = o.quick ? 1 : 5;
  const models = await createTestModels({ lm: { maxPositions: 256 }, real: ['silero-vad'] });
  const server = await startTestServer({ modelsDir: models.dir, env: { ORT_INTRA_OP_THREADS: String(o.threads) } });
  try {
    for (let i = 0; i < 400 && (await fetch(`${server.url}/health/ready`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 50));
    await warmUp(server.url);
    log(`server ready and warm at ${server.url}; ${repeat} round(s) per probe`);
    const results = await measureProbes(server.url, repeat);
    const worst = Math.max(...results.map((r) => r.maxStallMs));
    const over = results.filter((r) => r.maxStallMs > STALL_BUDGET_MS || r.bytes >= 64 * 1024 || r.status >= 500);
    return {
      suite: 'security',
      title: 'Security probes: worst event-loop stall per hostile request',
      setup: [
        `Server in this process (createApp, SQLite, fixture LM + Silero VAD, both used once before measuring); each probe sent ${repeat}× in a row`,
        'Stall = perf_hooks.monitorEventLoopDelay max (5 ms resolution) while the probe was in flight',
      ],
      tables: [
        {
          title: 'Probes',
          columns: ['probe', 'bytes', 'status', 'code', 'max stall (ms)'],
          rows: results.map((r) => [r.name, r.bytes, r.status, r.code ?? '', fmt(r.maxStallMs, 1)]),
        },
      ],
      targets: [
        {
          goal: `no request under 64 KB keeps the event loop busy for more than ${STALL_BUDGET_MS} ms, and none gets a 500`,
          measured: `worst stall ${fmt(worst, 1)} ms${over.length ? `; over budget, too large or 5xx: ${over.map((r) => r.name).join(', ')}` : ''}`,
          met: over.length === 0,
        },
      ],
      notes: ['The machine is shared; stalls include whatever else ran at the time, so a figure over budget should be re-run on a quiet machine before it is read as a regression.'],
    };
  } finally {
    await server.close();
    models.cleanup();
  }
}
