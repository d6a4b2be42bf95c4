/**
 * `npm run bench`: every suite, one after another, each in its own child process (a fresh
 * heap and thread pool, so one suite's leftovers never slow the next), then one markdown
 * summary in bench/results/.
 *
 *   npm run bench [-- --quick] [--suite ocr-overhead|batching|generation|search|pipeline|captioning|vision|asr|security|constrained|quantized|openai|backends|tts|history|vlm] [--threads N] [--gpt2-small DIR]
 *
 * --quick          few iterations: a smoke check that every path works, not figures to quote
 * --suite NAME     run one suite (repeatable)
 * --threads N      onnxruntime intra-op threads for every variant (default: $ORT_INTRA_OP_THREADS, else 1)
 * --gpt2-small DIR the GPT-2-small export for the generation and constrained suites (scripts/build-random-gpt2.sh);
 *                  without it /tmp/gs/gpt2-small-random or /tmp/gpt2-small-random is used when
 *                  present (full runs only)
 * --no-gpt2-small  skip it even when present
 *
 * A full run of all suites writes bench/results/latest.md; other runs write
 * bench/results/latest-<quick-><suites>.md so they never overwrite the figures to quote.
 * All traffic stays on 127.0.0.1.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { printSuite, renderMarkdown, renderText, suiteMarkdown, verdict, type SuiteReport, type Table } from './lib/report.js';
import { describeMachine, loadAverage, repoRoot, type BenchOptions } from './lib/setup.js';

const SUITES = {
  'ocr-overhead': async () => (await import('./suites/ocr-overhead.js')).ocrOverhead,
  batching: async () => (await import('./suites/batching.js')).batching,
  generation: async () => (await import('./suites/generation.js')).generation,
  search: async () => (await import('./suites/search.js')).search,
  pipeline: async () => (await import('./suites/pipeline.js')).pipeline,
  captioning: async () => (await import('./suites/captioning.js')).captioning,
  vision: async () => (await import('./suites/vision.js')).vision,
  asr: async () => (await import('./suites/asr.js')).asr,
  tts: async () => (await import('./suites/speech-synthesis.js')).speechSynthesis,
  security: async () => (await import('./suites/security.js')).security,
  constrained: async () => (await import('./suites/constrained.js')).constrained,
  quantized: async () => (await import('./suites/quantized.js')).quantized,
  openai: async () => (await import('./suites/openai.js')).openai,
  backends: async () => (await import('./suites/backends.js')).backends,
  history: async () => (await import('./suites/history.js')).history,
  vlm: async () => (await import('./suites/vlm.js')).vlm,
} as const;
type SuiteName = keyof typeof SUITES;
const SUITE_NAMES = Object.keys(SUITES) as SuiteName[];

const GPT2_SMALL_CANDIDATES = ['/tmp/gs/gpt2-small-random', '/tmp/gpt2-small-random'];
/**
 * A suite that has not finished by then is stopped; the whole bench stays bounded. The generation
 * suite with the GPT-2-small export runs ~15 min (five rounds, 48 tokens, reference rows).
 */
const SUITE_LIMIT_MS = { quick: 5 * 60_000, full: 25 * 60_000 };

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    suite: { type: 'string', multiple: true },
    threads: { type: 'string' },
    'gpt2-small': { type: 'string' },
    'no-gpt2-small': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
    child: { type: 'string' },
    json: { type: 'string' },
  },
});

function fail(message: string): never {
  console.error(`bench: ${message}`);
  process.exit(2);
}

if (values.help) {
  const doc = (await readFile(fileURLToPath(import.meta.url), 'utf8')).split('*/')[0];
  console.log(doc.replace(/^\/\*\*\n|^ \* ?/gm, ''));
  process.exit(0);
}

const isGraph = (dir: string) => existsSync(path.join(dir, 'onnx/model.onnx')) && existsSync(path.join(dir, 'tokenizer.json'));

function gpt2Small(): string | null {
  if (values['no-gpt2-small']) return null;
  const asked = values['gpt2-small'];
  if (asked) {
    if (!isGraph(asked)) fail(`--gpt2-small ${asked}: no onnx/model.onnx and tokenizer.json there (build one with scripts/build-random-gpt2.sh ${asked})`);
    return path.resolve(asked);
  }
  if (values.quick) return null;
  return GPT2_SMALL_CANDIDATES.find(isGraph) ?? null;
}

const threadsText = values.threads ?? process.env.ORT_INTRA_OP_THREADS ?? '1';
const threads = Number(threadsText);
if (!Number.isInteger(threads) || threads < 1) fail(`--threads must be a positive integer, got ${threadsText}`);

const options: BenchOptions = { quick: values.quick, threads, gpt2Small: gpt2Small() };

async function runChild(name: SuiteName, jsonFile: string): Promise<void> {
  const started = performance.now();
  const log = (line: string) => console.log(`  · ${line}`);
  const suite = await (await SUITES[name]())(options, log);
  const report: SuiteReport = { ...suite, seconds: (performance.now() - started) / 1000 };
  printSuite(report);
  await writeFile(jsonFile, JSON.stringify(report));
}

function spawnSuite(name: SuiteName, jsonFile: string): Promise<number | string> {
  const args = [...process.execArgv, '--expose-gc', fileURLToPath(import.meta.url), '--child', name, '--json', jsonFile, '--threads', String(threads)];
  if (options.quick) args.push('--quick');
  if (options.gpt2Small) args.push('--gpt2-small', options.gpt2Small);
  else args.push('--no-gpt2-small');
  const child = spawn(process.execPath, args, { stdio: 'inherit', cwd: repoRoot });
  const limit = options.quick ? SUITE_LIMIT_MS.quick : SUITE_LIMIT_MS.full;
  return new Promise((resolve) => {
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      console.error(`bench: ${name} still running after ${limit / 60_000} min; stopping it`);
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    }, limit);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      resolve(signal ?? code ?? 1);
    });
  });
}

function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repoRoot, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const selected = values.suite?.length ? values.suite : SUITE_NAMES;
  for (const name of selected) if (!(name in SUITES)) fail(`unknown suite "${name}"; suites: ${SUITE_NAMES.join(', ')}`);
  const suites = selected as SuiteName[];
  const machine = describeMachine();
  const startedAt = new Date();
  const environment = [
    `Run: ${startedAt.toISOString()}, commit ${commit()}, ${options.quick ? '--quick (smoke check: few iterations, not figures to quote)' : 'full'}`,
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB; shared with other work`,
    `Node ${machine.node}, onnxruntime-node ${machine.onnxruntime}, @huggingface/transformers ${machine.transformers}`,
    `onnxruntime threads: intra-op ${threads}, inter-op 1, for every variant (set with --threads or ORT_INTRA_OP_THREADS)`,
  ];
  console.log(`Tessera bench — suites: ${suites.join(', ')}`);
  for (const line of environment) console.log(`  ${line}`);
  console.log(`  load average (1/5/15 min) at start: ${loadAverage()}`);

  const tmp = path.join(os.tmpdir(), `tessera-bench-${process.pid}`);
  await mkdir(tmp, { recursive: true });
  const reports: SuiteReport[] = [];
  const loads: string[] = [];
  const failures: string[] = [];
  try {
    for (const name of suites) {
      console.log(`\n=== ${name} (load average ${loadAverage()}) ===`);
      const before = loadAverage();
      const jsonFile = path.join(tmp, `${name}.json`);
      const exit = await spawnSuite(name, jsonFile);
      loads.push(`${name}: ${before} → ${loadAverage()}`);
      if (exit !== 0 || !existsSync(jsonFile)) {
        failures.push(`${name} did not finish (exit ${exit}); see the console output`);
        continue;
      }
      reports.push(JSON.parse(await readFile(jsonFile, 'utf8')) as SuiteReport);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }

  const summary: Table = {
    title: 'All targets',
    columns: ['suite', 'target', 'measured', 'result'],
    rows: reports.flatMap((r) => r.targets.map((t) => [r.suite, t.goal, t.measured, verdict(t.met)])),
  };
  const seconds = (Date.now() - startedAt.getTime()) / 1000;
  console.log(`\n${renderText(summary)}`);
  for (const f of failures) console.log(`FAILED: ${f}`);
  console.log(`\nload average per suite (start → end): ${loads.join('; ')}`);

  const markdown = [
    '# Tessera benchmarks',
    '',
    ...environment.map((line) => `- ${line}`),
    `- Load average (1/5/15 min) at each suite's start → end: ${loads.join('; ')}`,
    `- Total time: ${Math.round(seconds)} s. Reproduce: \`npm run bench\`${options.quick ? ' -- --quick' : ''}`,
    '',
    renderMarkdown(summary),
    '',
    ...failures.map((f) => `> FAILED: ${f}\n`),
    ...reports.map(suiteMarkdown),
  ].join('\n');
  const fullRun = !options.quick && suites.length === SUITE_NAMES.length;
  const file = path.join(repoRoot, 'bench/results', fullRun ? 'latest.md' : `latest-${options.quick ? 'quick-' : ''}${suites.join('+')}.md`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, markdown);
  console.log(`\nwrote ${path.relative(process.cwd(), file)} (${Math.round(seconds)} s)`);
  if (failures.length > 0) process.exitCode = 1;
}

if (values.child) {
  if (!(values.child in SUITES) || !values.json) fail('--child needs a suite name and --json FILE');
  await runChild(values.child as SuiteName, values.json);
  // Everything the suite opened is closed by now; a lingering handle must not hold the run.
  process.exit(0);
} else {
  await main();
}
