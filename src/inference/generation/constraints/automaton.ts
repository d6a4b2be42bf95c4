/**
 * An incremental recogniser of JSON text that belongs to a compiled schema, fed one
 * character at a time. A state is a persistent stack of frames (one per open value), so
 * a step never copies: it returns new tops that share their parents, and the mask search
 * can branch on every character of every token for the price of a few small objects.
 * `anyOf` makes it nondeterministic; a configuration is the list of live stacks.
 *
 * Output is compact (no whitespace), numbers have at most 15 digits before and after the
 * point, and objects with declared properties emit them in schema order; all of it still
 * validates, and it gives every state a finite shortest completion (`minClose`), which is
 * what lets a generation be steered to close its value before it runs out of tokens.
 */
import type { PropertyNode, ValueNode } from './schema.js';

type ObjectNode = Extract<ValueNode, { kind: 'object' }>;
type ArrayNode = Extract<ValueNode, { kind: 'array' }>;
type NumPhase = 'start' | 'minus' | 'zero' | 'int' | 'dot' | 'frac' | 'exp' | 'expSign' | 'expDigits';
type ObjPhase = 'first' | 'after' | 'key' | 'keyLit' | 'colon';

type Frame =
  | { t: 'done' }
  | { t: 'start'; node: ValueNode }
  | { t: 'str'; max: number; n: number; p: 'body' | 'esc' | 'hex'; h: number }
  | { t: 'num'; int: boolean; p: NumPhase; d: number }
  | { t: 'lit'; texts: string[]; pos: number }
  | { t: 'obj'; node: ObjectNode; p: ObjPhase; i: number; cands: number[]; pos: number; cur: number }
  | { t: 'arr'; node: ArrayNode; p: 'first' | 'after' | 'item'; count: number };

export class Stack {
  private keyMemo: string | undefined;
  private closeMemo: number | undefined;

  constructor(
    readonly frame: Frame,
    readonly parent: Stack | null,
  ) {}

  /** Identifies the state: equal keys accept exactly the same continuations. */
  get key(): string {
    this.keyMemo ??= frameKey(this.frame) + (this.parent ? `/${this.parent.key}` : '');
    return this.keyMemo;
  }

  /** Fewest characters that complete the value from here. */
  get minClose(): number {
    this.closeMemo ??= remaining(this.frame) + (this.parent ? this.parent.minClose : 0);
    return this.closeMemo;
  }

  get complete(): boolean {
    return this.frame.t === 'done' || (completable(this.frame) && this.parent?.frame.t === 'done');
  }
}

const DONE = new Stack({ t: 'done' }, null);
/**
 * Tokens longer than this are never offered (see token-trie.ts), so a bounded string with
 * at least this much room left accepts the same tokens whatever its length so far: its
 * states share a key, and a mask.
 */
export const MAX_TOKEN_CHARS = 64;
const MAX_DIGITS = 15;
const MAX_EXPONENT_DIGITS = 2;

export function initialStacks(root: ValueNode): Stack[] {
  return [new Stack({ t: 'start', node: root }, DONE)];
}

const nodeIds = new WeakMap<object, number>();
let lastNodeId = 0;
const nodeId = (node: object): number => {
  let id = nodeIds.get(node);
  if (id === undefined) nodeIds.set(node, (id = (lastNodeId += 1)));
  return id;
};

function frameKey(f: Frame): string {
  switch (f.t) {
    case 'done':
      return 'D';
    case 'start':
      return `S${nodeId(f.node)}`;
    case 'str':
      // An unbounded string's length does not matter, so its states repeat (and their masks are cached).
      return `s${f.max === Infinity ? '' : Math.min(f.max - f.n, MAX_TOKEN_CHARS)}${f.p}${f.h}`;
    case 'num':
      return `n${f.int ? 'i' : 'f'}${f.p}${f.d}`;
    case 'lit':
      return `l${f.pos}:${f.texts.join('\u0001')}`;
    case 'obj':
      return `o${nodeId(f.node)}${f.p}${f.i}:${f.cands.join(',')}:${f.pos}:${f.cur}`;
    case 'arr': {
      const count = f.node.maxItems === Infinity && f.count >= f.node.minItems ? 'M' : String(f.count);
      return `a${nodeId(f.node)}${f.p}${count}`;
    }
  }
}

function completable(f: Frame): boolean {
  if (f.t === 'num') return f.p === 'zero' || f.p === 'int' || f.p === 'frac' || f.p === 'expDigits';
  if (f.t === 'lit') return f.texts.some((t) => t.length === f.pos);
  return false;
}

// ---- shortest completions ----

const minLenMemo = new WeakMap<ValueNode, number>();

/** n copies of something of length `each`; none costs nothing even when `each` is unbounded. */
const times = (n: number, each: number) => (n <= 0 ? 0 : n * each);

export function minLength(node: ValueNode): number {
  const known = minLenMemo.get(node);
  if (known !== undefined) return known;
  minLenMemo.set(node, Infinity); // a cycle through required values has no finite value
  let n: number;
  switch (node.kind) {
    case 'string':
      n = 2;
      break;
    case 'number':
      n = 1;
      break;
    case 'literal':
      n = Math.min(...node.texts.map((t) => t.length));
      break;
    case 'object':
      n = 1 + restCost(node, 0, false);
      break;
    case 'array':
      n = 2 + times(node.minItems, minLength(node.items)) + Math.max(0, node.minItems - 1);
      break;
    case 'anyOf':
      n = Math.min(...node.options.map(minLength));
      break;
  }
  minLenMemo.set(node, n);
  return n;
}

const propCost = (p: PropertyNode) => p.key.length + 1 + minLength(p.node);

/** The required properties from index `i` on, their commas, and the closing brace. */
function restCost(node: ObjectNode, i: number, emitted: boolean): number {
  let cost = 1;
  let count = 0;
  for (let j = i; j < node.props.length; j += 1) {
    if (!node.props[j].required) continue;
    cost += propCost(node.props[j]);
    count += 1;
  }
  return cost + (emitted ? count : Math.max(0, count - 1));
}

const keyCost = (node: ObjectNode, j: number, pos: number) =>
  node.props[j].key.length - pos + 1 + minLength(node.props[j].node) + restCost(node, j + 1, true);

function freeKeyCost(node: ObjectNode, alreadyKeyed: boolean): number {
  return (alreadyKeyed ? 1 : 3) + minLength(node.additional!) + 1;
}

function remaining(f: Frame): number {
  switch (f.t) {
    case 'done':
      return 0;
    case 'start':
      return minLength(f.node);
    case 'str':
      return f.p === 'body' ? 1 : f.p === 'esc' ? 2 : 5 - f.h;
    case 'num':
      return completable(f) ? 0 : 1;
    case 'lit':
      return Math.min(...f.texts.map((t) => t.length - f.pos));
    case 'obj': {
      const n = f.node;
      switch (f.p) {
        case 'first':
          return restCost(n, f.i, false);
        case 'after':
          return restCost(n, f.i, true);
        case 'key':
          return n.additional ? freeKeyCost(n, false) : Math.min(...keyCandidates(n, f.i).map((j) => keyCost(n, j, 0)));
        case 'keyLit':
          return Math.min(...f.cands.map((j) => keyCost(n, j, f.pos)));
        case 'colon':
          return f.cur < 0 ? freeKeyCost(n, true) : 1 + minLength(n.props[f.cur].node) + restCost(n, f.cur + 1, true);
      }
      break;
    }
    case 'arr': {
      const item = minLength(f.node.items);
      const min = f.node.minItems;
      if (f.p === 'first') return min === 0 ? 1 : times(min, item) + min;
      if (f.p === 'after') return times(min - f.count, 1 + item) + 1;
      return item + times(min - f.count - 1, 1 + item) + 1;
    }
  }
  return 0;
}

// ---- transitions ----

/** Declared properties that may come next: every optional one up to and including the first required one. */
function keyCandidates(node: ObjectNode, from: number): number[] {
  const out: number[] = [];
  for (let j = from; j < node.props.length; j += 1) {
    out.push(j);
    if (node.props[j].required) break;
  }
  return out;
}

const noneRequiredFrom = (node: ObjectNode, i: number) => !node.props.some((p, j) => j >= i && p.required);

function startValue(node: ValueNode, parent: Stack, ch: string, out: Stack[]): void {
  switch (node.kind) {
    case 'anyOf':
      for (const option of node.options) startValue(option, parent, ch, out);
      return;
    case 'string':
      if (ch === '"') out.push(new Stack({ t: 'str', max: node.maxLength, n: 0, p: 'body', h: 0 }, parent));
      return;
    case 'number': {
      const next = numberStep({ t: 'num', int: node.integer, p: 'start', d: 0 }, ch);
      if (next) out.push(new Stack(next, parent));
      return;
    }
    case 'literal': {
      const texts = node.texts.filter((t) => t[0] === ch);
      if (texts.length > 0) out.push(new Stack({ t: 'lit', texts, pos: 1 }, parent));
      return;
    }
    case 'object':
      if (ch === '{') out.push(new Stack({ t: 'obj', node, p: 'first', i: 0, cands: [], pos: 0, cur: -1 }, parent));
      return;
    case 'array':
      if (ch === '[') out.push(new Stack({ t: 'arr', node, p: 'first', count: 0 }, parent));
  }
}

const isDigit = (ch: string) => ch >= '0' && ch <= '9';

function numberStep(f: Extract<Frame, { t: 'num' }>, ch: string): Extract<Frame, { t: 'num' }> | null {
  const to = (p: NumPhase, d = 0) => ({ t: 'num' as const, int: f.int, p, d });
  const fraction = !f.int && ch === '.';
  const exponent = !f.int && (ch === 'e' || ch === 'E');
  switch (f.p) {
    case 'start':
      if (ch === '-') return to('minus');
      return ch === '0' ? to('zero', 1) : isDigit(ch) ? to('int', 1) : null;
    case 'minus':
      return ch === '0' ? to('zero', 1) : isDigit(ch) ? to('int', 1) : null;
    case 'zero':
      return fraction ? to('dot') : exponent ? to('exp') : null;
    case 'int':
      if (isDigit(ch)) return f.d < MAX_DIGITS ? to('int', f.d + 1) : null;
      return fraction ? to('dot') : exponent ? to('exp') : null;
    case 'dot':
      return isDigit(ch) ? to('frac', 1) : null;
    case 'frac':
      if (isDigit(ch)) return f.d < MAX_DIGITS ? to('frac', f.d + 1) : null;
      return exponent ? to('exp') : null;
    case 'exp':
      return ch === '+' || ch === '-' ? to('expSign') : isDigit(ch) ? to('expDigits', 1) : null;
    case 'expSign':
      return isDigit(ch) ? to('expDigits', 1) : null;
    case 'expDigits':
      return isDigit(ch) && f.d < MAX_EXPONENT_DIGITS ? to('expDigits', f.d + 1) : null;
  }
}

const HEX = /^[0-9a-fA-F]$/;

function stringStep(f: Extract<Frame, { t: 'str' }>, ch: string): Extract<Frame, { t: 'str' }> | null {
  const body = (n: number) => ({ t: 'str' as const, max: f.max, n: f.max === Infinity ? 0 : n, p: 'body' as const, h: 0 });
  if (f.p === 'esc') {
    if ('"\\/bfnrt'.includes(ch)) return body(f.n + 1);
    return ch === 'u' ? { ...f, p: 'hex', h: 0 } : null;
  }
  if (f.p === 'hex') {
    if (!HEX.test(ch)) return null;
    return f.h === 3 ? body(f.n + 1) : { ...f, h: f.h + 1 };
  }
  if (f.n >= f.max || ch.charCodeAt(0) < 0x20) return null;
  return ch === '\\' ? { ...f, p: 'esc' } : body(f.n + 1);
}

function objectStep(s: Stack, f: Extract<Frame, { t: 'obj' }>, ch: string, out: Stack[]): void {
  const node = f.node;
  const next = (changes: Partial<typeof f>) => new Stack({ ...f, ...changes }, s.parent);
  switch (f.p) {
    case 'first':
    case 'after':
      if (ch === '}' && noneRequiredFrom(node, f.i)) out.push(s.parent!);
      else if (f.p === 'after' && ch === ',' && (node.additional || f.i < node.props.length)) out.push(next({ p: 'key' }));
      else if (f.p === 'first' && ch === '"') startKey(s, f, out);
      return;
    case 'key':
      if (ch === '"') startKey(s, f, out);
      return;
    case 'keyLit': {
      const cands = f.cands.filter((j) => node.props[j].key[f.pos] === ch);
      const whole = cands.find((j) => node.props[j].key.length === f.pos + 1);
      if (whole !== undefined) out.push(next({ p: 'colon', cands: [], pos: 0, cur: whole }));
      else if (cands.length > 0) out.push(next({ cands, pos: f.pos + 1 }));
      return;
    }
    case 'colon': {
      if (ch !== ':') return;
      const value = f.cur < 0 ? node.additional! : node.props[f.cur].node;
      const after = next({ p: 'after', i: f.cur < 0 ? f.i : f.cur + 1, cur: -1 });
      out.push(new Stack({ t: 'start', node: value }, after));
    }
  }
}

function startKey(s: Stack, f: Extract<Frame, { t: 'obj' }>, out: Stack[]): void {
  if (f.node.additional) {
    const waiting = new Stack({ ...f, p: 'colon', cur: -1 }, s.parent);
    out.push(new Stack({ t: 'str', max: Infinity, n: 0, p: 'body', h: 0 }, waiting));
    return;
  }
  const cands = keyCandidates(f.node, f.i);
  if (cands.length > 0) out.push(new Stack({ ...f, p: 'keyLit', cands, pos: 1 }, s.parent));
}

function arrayStep(s: Stack, f: Extract<Frame, { t: 'arr' }>, ch: string, out: Stack[]): void {
  const { minItems, maxItems, items } = f.node;
  if (f.p === 'item' || (f.p === 'first' && ch !== ']')) {
    if (f.p === 'first' && maxItems === 0) return;
    startValue(items, new Stack({ ...f, p: 'after', count: f.count + 1 }, s.parent), ch, out);
  } else if (ch === ']' && f.count >= minItems) {
    out.push(s.parent!);
  } else if (f.p === 'after' && ch === ',' && f.count < maxItems) {
    out.push(new Stack({ ...f, p: 'item' }, s.parent));
  }
}

/** Characters left in the string `s` is inside (Infinity when unbounded), or null when it is not in a string's text. */
export function stringRoom(s: Stack): number | null {
  const f = s.frame;
  return f.t === 'str' && f.p === 'body' ? f.max - f.n : null;
}

/**
 * Whether `s` is inside a string with room for any whole token: then every character but
 * a quote, a backslash or a control character leads to a state that accepts the same
 * tokens, and the mask search can skip the step (its hottest path).
 */
export function inRoomyString(s: Stack): boolean {
  return (stringRoom(s) ?? 0) >= MAX_TOKEN_CHARS;
}

export const isPlainStringChar = (ch: string) => ch !== '"' && ch !== '\\' && ch.charCodeAt(0) >= 0x20;

/** Every state reachable from `s` by the character `ch`, appended to `out`. */
export function step(s: Stack, ch: string, out: Stack[]): void {
  const f = s.frame;
  switch (f.t) {
    case 'done':
      return;
    case 'start':
      startValue(f.node, s.parent!, ch, out);
      return;
    case 'str': {
      if (f.p === 'body' && ch === '"') out.push(s.parent!);
      else {
        const next = stringStep(f, ch);
        if (next) out.push(new Stack(next, s.parent));
      }
      return;
    }
    case 'num': {
      const next = numberStep(f, ch);
      if (next) out.push(new Stack(next, s.parent));
      else if (completable(f)) step(s.parent!, ch, out);
      return;
    }
    case 'lit': {
      const texts = f.texts.filter((t) => t[f.pos] === ch);
      if (texts.length > 0) out.push(new Stack({ t: 'lit', texts, pos: f.pos + 1 }, s.parent));
      if (completable(f)) step(s.parent!, ch, out);
      return;
    }
    case 'obj':
      objectStep(s, f, ch, out);
      return;
    case 'arr':
      arrayStep(s, f, ch, out);
  }
}

/** Feeds a whole string to a configuration; an empty result means the text is not allowed. */
export function advance(config: readonly Stack[], text: string): Stack[] {
  let current = config as Stack[];
  for (const ch of text) {
    const next: Stack[] = [];
    for (const s of current) step(s, ch, next);
    current = next.length > 1 ? dedupe(next) : next;
    if (current.length === 0) return current;
  }
  return current;
}

export function dedupe(stacks: Stack[]): Stack[] {
  const seen = new Map<string, Stack>();
  for (const s of stacks) if (!seen.has(s.key)) seen.set(s.key, s);
  return [...seen.values()];
}

export const configKey = (config: readonly Stack[]) => config.map((s) => s.key).sort().join('\u0002');
export const configMinClose = (config: readonly Stack[]) => Math.min(...config.map((s) => s.minClose));
export const configComplete = (config: readonly Stack[]) => config.some((s) => s.complete);
/** Whether any character may still follow (a complete top-level number may grow). */
export const configOpen = (config: readonly Stack[]) => config.some((s) => s.frame.t !== 'done');
