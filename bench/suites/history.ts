/**
 * history: the request history at 1,000,000 rows (20,000 with --quick) on SQLite and on
 * PostgreSQL, queried through GraphQL over HTTP like a client: every filter of issue 18's
 * table, first page and deep page, with and without totalCount, rare and frequent words
 * (Chinese too), as an admin (all owners) and as a key that sees its quarter of the rows.
 *
 * The rows are bulk-inserted in the project's own schema after the migrations ran: SQLite in
 * 10,000-row transactions through one prepared statement, PostgreSQL in 10,000-row
 * `INSERT … SELECT FROM unnest(…)` statements. As any bulk load does, the table's secondary
 * indexes and text-index triggers are set aside first and made again afterwards from the
 * definitions the migrations left in the catalog (sqlite_master, pg_indexes), so what is
 * measured is exactly the migrated schema; then ANALYZE.
 */
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sqlitePath } from '../../src/config.js';
import { startTestServer, type TestServer } from '../../test/support/app.js';
import type { DatabaseKindUnderTest } from '../../test/support/databases.js';
import { fmt, type SuiteReport, type Table, type Target } from '../lib/report.js';
import type { BenchOptions } from '../lib/setup.js';
import { summarize } from '../lib/stats.js';

const BUDGET_MS = 50;
const TASKS = ['TEXT_GENERATION', 'OCR', 'SPEECH_RECOGNITION', 'IMAGE_CAPTIONING', 'VAD', 'PIPELINE'];
const SYLLABLES = ['ka', 'lo', 'mi', 'tre', 'sun', 'dor', 'vel', 'pa', 'ri', 'zon', 'que', 'bel', 'fin', 'gor', 'hal', 'jun'];
const CHINESE = ['今天天气很好', '我们去公园散步', '请总结这段文字', '这是一张发票', '会议记录如下', '明天可能下雨', '图片里有一只狗', '翻译成英文'];
const STEP_MS = 2500;
/** One rare word every RARE_EVERY rows: about ten in a million. */
const RARE_EVERY = 100_003;

interface BenchRow {
  id: string;
  task: string;
  model: string;
  status: string;
  inputText: string;
  outputText: string;
  createdAt: Date;
  finishedAt: Date;
  owner: string | null;
}

function words(seed: number, count: number): string {
  let s = seed >>> 0;
  const out: string[] = [];
  for (let w = 0; w < count; w++) {
    let word = '';
    for (let k = 0; k < 2 + (w % 2); k++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      word += SYLLABLES[s >>> 28];
    }
    out.push(word);
  }
  return out.join(' ');
}

/** Row i of the synthetic history: deterministic, so both databases hold the same rows. */
function rowAt(i: number, baseMs: number, owners: string[]): BenchRow {
  const task = TASKS[i % TASKS.length];
  const createdAt = new Date(baseMs + i * STEP_MS);
  const hex = createdAt.getTime().toString(16).padStart(12, '0');
  const tail = i.toString(16).padStart(12, '0');
  const id = `${hex.slice(0, 8)}-${hex.slice(8)}-7000-8000-${tail}`;
  let inputText = words(i * 2 + 1, 8);
  let outputText = words(i * 2 + 2, 10);
  if (i % 10 === 0) inputText += ' my cats are asleep';
  if (i % RARE_EVERY === 7) outputText += ' and then a dragon appeared';
  if (i % 20 === 3) inputText = `${CHINESE[i % CHINESE.length]}，${CHINESE[(i >> 3) % CHINESE.length]}`;
  if (i % RARE_EVERY === 11) outputText = '古书里记载了麒麟阁的故事';
  const status = i % 53 === 0 ? 'FAILED' : task === 'TEXT_GENERATION' && i % 101 === 0 ? 'CANCELLED' : 'COMPLETED';
  return {
    id,
    task,
    model: `${task.toLowerCase()}-model-${(i >> 4) % 2}`,
    status,
    inputText,
    outputText,
    createdAt,
    finishedAt: new Date(createdAt.getTime() + 40),
    owner: owners[Math.floor(i / 7) % owners.length] ?? null,
  };
}

const BATCH = 10_000;

function fillSqlite(url: string, count: number, baseMs: number, owners: string[]): void {
  const db = new BetterSqlite3(sqlitePath(url));
  db.pragma('busy_timeout = 10000');
  const insert = db.prepare(
    `INSERT INTO "InferenceRequest" ("id","task","model","status","parameters","inputModalities","inputText","outputText","createdAt","startedAt","finishedAt","queueMs","computeMs","ownerKeyId")
     VALUES (?, ?, ?, ?, '{}', 'TEXT', ?, ?, ?, ?, ?, 3, 37, ?)`,
  );
  const iso = (d: Date) => d.toISOString().replace('Z', '+00:00');
  const objects = db
    .prepare(`SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'InferenceRequest' AND type IN ('index', 'trigger') AND sql IS NOT NULL`)
    .all() as { type: string; name: string; sql: string }[];
  for (const o of objects) db.exec(`DROP ${o.type.toUpperCase()} "${o.name}"`);
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const r = rowAt(i, baseMs, owners);
      insert.run(r.id, r.task, r.model, r.status, r.inputText, r.outputText, iso(r.createdAt), iso(r.createdAt), iso(r.finishedAt), r.owner);
    }
  });
  for (let from = 0; from < count; from += BATCH) batch(from, Math.min(count, from + BATCH));
  db.exec(`INSERT INTO "InferenceRequestText"("InferenceRequestText") VALUES ('rebuild')`);
  for (const o of objects) db.exec(o.sql);
  db.exec('ANALYZE');
  db.close();
}

async function fillPostgres(url: string, count: number, baseMs: number, owners: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const ts = (d: Date) => d.toISOString().replace('Z', '');
  try {
    const { rows: indexes } = await client.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'InferenceRequest' AND indexname <> 'InferenceRequest_pkey'`,
    );
    for (const index of indexes) await client.query(`DROP INDEX "${index.indexname}"`);
    for (let from = 0; from < count; from += BATCH) {
      const rows = Array.from({ length: Math.min(BATCH, count - from) }, (_, k) => rowAt(from + k, baseMs, owners));
      await client.query(
        `INSERT INTO "InferenceRequest" ("id","task","model","status","parameters","inputModalities","inputText","outputText","createdAt","startedAt","finishedAt","queueMs","computeMs","ownerKeyId")
         SELECT id, task, model, status, '{}'::jsonb, 'TEXT', it, ot, ca, ca, fa, 3, 37, owner
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamp[], $8::timestamp[], $9::text[])
           AS t(id, task, model, status, it, ot, ca, fa, owner)`,
        [
          rows.map((r) => r.id),
          rows.map((r) => r.task),
          rows.map((r) => r.model),
          rows.map((r) => r.status),
          rows.map((r) => r.inputText),
          rows.map((r) => r.outputText),
          rows.map((r) => ts(r.createdAt)),
          rows.map((r) => ts(r.finishedAt)),
          rows.map((r) => r.owner),
        ],
      );
    }
    await client.query(`SET maintenance_work_mem = '512MB'`);
    for (const index of indexes) await client.query(index.indexdef);
    await client.query('ANALYZE "InferenceRequest"');
  } finally {
    await client.end();
  }
}

interface Case {
  name: string;
  filter: Record<string, unknown>;
  totalCount?: boolean;
  /** A cursor half-way down the history. */
  deep?: boolean;
  /** Asked as the key that owns a quarter of the rows, not as the admin. */
  asOwner?: boolean;
}

function cases(count: number, baseMs: number): Case[] {
  const mid = new Date(baseMs + Math.floor(count / 2) * STEP_MS);
  const dayLater = new Date(mid.getTime() + 86_400_000);
  return [
    { name: 'no filter', filter: {} },
    { name: 'no filter, with totalCount', filter: {}, totalCount: true },
    { name: 'no filter, deep page', filter: {}, deep: true },
    { name: 'task: OCR', filter: { task: 'OCR' } },
    { name: 'task: OCR, with totalCount', filter: { task: 'OCR' }, totalCount: true },
    { name: 'task: OCR, deep page', filter: { task: 'OCR' }, deep: true },
    { name: 'task: OCR, status: CANCELLED (no match)', filter: { task: 'OCR', status: 'CANCELLED' } },
    { name: 'task: OCR, status: CANCELLED, with totalCount', filter: { task: 'OCR', status: 'CANCELLED' }, totalCount: true },
    { name: 'model + status: FAILED', filter: { model: 'ocr-model-1', status: 'FAILED' } },
    { name: 'one day (since/until)', filter: { since: mid.toISOString(), until: dayLater.toISOString() } },
    { name: 'one day, with totalCount', filter: { since: mid.toISOString(), until: dayLater.toISOString() }, totalCount: true },
    { name: 'text: "dragon" (rare)', filter: { text: 'dragon' } },
    { name: 'text: "dragon", with totalCount', filter: { text: 'dragon' }, totalCount: true },
    { name: 'text: "dragon", task: OCR', filter: { text: 'dragon', task: 'OCR' } },
    { name: 'text: "cats" (frequent)', filter: { text: 'cats' } },
    { name: 'text: "cats", with totalCount', filter: { text: 'cats' }, totalCount: true },
    { name: 'text: "cats", deep page', filter: { text: 'cats' }, deep: true },
    { name: 'text: "麒麟阁" (rare, Chinese)', filter: { text: '麒麟阁' } },
    { name: 'text: "天气很好" (frequent, Chinese)', filter: { text: '天气很好' } },
    { name: 'text: "天气" (2 characters, scan)', filter: { text: '天气' } },
    { name: 'owner key: no filter', filter: {}, asOwner: true },
    { name: 'owner key: task: OCR', filter: { task: 'OCR' }, asOwner: true },
    { name: 'owner key: text: "cats"', filter: { text: 'cats' }, asOwner: true },
    { name: 'owner key: text: "dragon"', filter: { text: 'dragon' }, asOwner: true },
  ];
}

const QUERY = (totalCount: boolean) =>
  `query($filter: RequestFilter, $after: String) { requests(filter: $filter, first: 20, after: $after) { ${totalCount ? 'totalCount totalCountIsEstimate ' : ''}edges { node { id task status inputText outputText createdAt } } pageInfo { hasNextPage endCursor } } }`;

async function measureDatabase(
  database: DatabaseKindUnderTest,
  count: number,
  iterations: number,
  log: (line: string) => void,
): Promise<{ rows: (string | number)[][]; fillSeconds: number; worstFirstPage: { name: string; p50: number } }> {
  const modelsDir = await mkdtemp(path.join(os.tmpdir(), 'tessera-bench-models-'));
  const server: TestServer = await startTestServer({ modelsDir, database, env: { AUTH: 'required', LOG_LEVEL: 'warn' } });
  try {
    const keys = server.app.services.keys;
    const admin = (await keys.create('bench-admin', ['admin'])).key;
    const ownerKey = await keys.create('bench-owner', ['read']);
    const owners = [ownerKey.info.id, 'other-key-1', 'other-key-2', 'other-key-3'];
    const baseMs = Date.now() - count * STEP_MS - 60_000;
    const started = performance.now();
    if (database === 'sqlite') fillSqlite(server.app.services.config.DATABASE_URL, count, baseMs, owners);
    else await fillPostgres(server.app.services.config.DATABASE_URL, count, baseMs, owners);
    const fillSeconds = (performance.now() - started) / 1000;
    log(`${database}: ${count.toLocaleString('en')} rows filled in ${fmt(fillSeconds)} s`);
    const deepCursor = rowAt(Math.floor(count / 2), baseMs, owners).id;

    const ask = async (c: Case) => {
      const t0 = performance.now();
      const response = await fetch(server.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${c.asOwner ? ownerKey.key : admin}` },
        body: JSON.stringify({ query: QUERY(c.totalCount ?? false), variables: { filter: c.filter, after: c.deep ? deepCursor : null } }),
      });
      const body = (await response.json()) as { errors?: unknown; data?: { requests: { edges: unknown[]; totalCount?: number; totalCountIsEstimate?: boolean } } };
      const ms = performance.now() - t0;
      if (body.errors) throw new Error(`${c.name}: ${JSON.stringify(body.errors)}`);
      return { ms, page: body.data!.requests };
    };

    const rows: (string | number)[][] = [];
    let worst = { name: '', p50: 0 };
    for (const c of cases(count, baseMs)) {
      const first = await ask(c);
      const samples: number[] = [];
      for (let k = 0; k < iterations; k++) samples.push((await ask(c)).ms);
      const s = summarize(samples);
      const total = c.totalCount ? `${first.page.totalCount!.toLocaleString('en')}${first.page.totalCountIsEstimate ? ' (estimate)' : ''}` : '';
      rows.push([c.name, first.page.edges.length, total, fmt(s.p50), fmt(s.p95)]);
      if (!c.deep && s.p50 > worst.p50) worst = { name: c.name, p50: s.p50 };
      log(`${database}: ${c.name}: p50 ${fmt(s.p50)} ms (${first.page.edges.length} rows${total ? `, total ${total}` : ''})`);
    }
    return { rows, fillSeconds, worstFirstPage: worst };
  } finally {
    await server.close();
    await rm(modelsDir, { recursive: true, force: true });
  }
}

export async function history(o: BenchOptions, log: (line: string) => void): Promise<Omit<SuiteReport, 'seconds'>> {
  const count = Number(process.env.HISTORY_BENCH_ROWS ?? (o.quick ? 20_000 : 1_000_000));
  const iterations = o.quick ? 3 : Number(process.env.HISTORY_BENCH_RUNS ?? 9);
  const tables: Table[] = [];
  const targets: Target[] = [];
  const setup = [
    `${count.toLocaleString('en')} requests per database (6 tasks, 12 models, 4 owner keys, one row every 2.5 s over ${fmt((count * STEP_MS) / 86_400_000, 0)} days); "cats" in 10% of inputs, "dragon" and "麒麟阁" in about ${Math.ceil(count / RARE_EVERY)} rows each, Chinese text in 5% of inputs.`,
    `Each query: first 20 rows through GraphQL over HTTP on 127.0.0.1 (AUTH=required), one warm-up then ${iterations} timed runs; p50 and p95 in ms, end to end at the client.`,
    '"deep page": `after` a cursor half-way down the history. "owner key": a read key that owns a quarter of the rows (tenancy filter on every query); the other rows are asked as an admin.',
  ];
  const databases = (process.env.HISTORY_BENCH_DATABASES ?? 'sqlite,postgres').split(',') as DatabaseKindUnderTest[];
  for (const database of databases) {
    const { rows, fillSeconds, worstFirstPage } = await measureDatabase(database, count, iterations, log);
    tables.push({ title: `${database}: ${count.toLocaleString('en')} rows (filled in ${fmt(fillSeconds)} s)`, columns: ['query, first 20', 'rows', 'totalCount', 'p50 ms', 'p95 ms'], rows });
    targets.push({
      goal: `every first page p50 < ${BUDGET_MS} ms at ${count.toLocaleString('en')} rows (${database})`,
      measured: `slowest first page: ${worstFirstPage.name}, p50 ${fmt(worstFirstPage.p50)} ms`,
      met: worstFirstPage.p50 < BUDGET_MS,
    });
  }
  return {
    suite: 'history',
    title: 'Request history: search, filters and totalCount at scale',
    setup,
    tables,
    targets,
    notes: [
      'Text of one or two characters cannot use a trigram index; it is matched by scanning newest first, fast when the text is frequent, a full scan when it is rare.',
      'totalCount is exact up to 1,000 matches and an estimate past that (totalCountIsEstimate: true).',
    ],
  };
}
