// Random JSON documents for the input-use soundness test: fresh inputs built from a policy's own
// vocabulary, and perturbations of an input that keep exactly what an InputUse pins (the value at each
// `values` path, the defined/undefined status at each `presence` path) and change anything else.

import { isRecord } from '../../../src/shared/is-record.js';
import type { InputUse } from '../../../src/rego/input-use.js';

/** A missing member: distinct from JSON `null`, and never handed to JSON.stringify. */
export const ABSENT: unique symbol = Symbol('absent');
export type Maybe = unknown | typeof ABSENT;

type Random = () => number;

/** The reported paths as a tree: what each node pins, and which keys below it are reported. */
interface PinNode {
  value: boolean;
  presence: boolean;
  readonly children: Map<string, PinNode>;
}

function newNode(): PinNode {
  return { value: false, presence: false, children: new Map() };
}

function pinTree(use: InputUse): PinNode {
  const root = newNode();
  const at = (path: readonly string[]): PinNode => {
    let node = root;
    for (const key of path) {
      let child = node.children.get(key);
      if (child === undefined) {
        child = newNode();
        node.children.set(key, child);
      }
      node = child;
    }
    return node;
  };
  for (const path of use.values) at(path).value = true;
  for (const path of use.presence) at(path).presence = true;
  return root;
}

/** The member at `path`, or ABSENT (keys only reach into objects, as a Rego `.key` lookup does). */
function lookup(value: Maybe, path: readonly string[]): Maybe {
  let at: Maybe = value;
  for (const key of path) {
    if (!isRecord(at) || !Object.hasOwn(at, key)) return ABSENT;
    at = at[key];
  }
  return at;
}

export interface Vocabulary {
  /** Keys and strings the policy mentions: random documents reuse them so lookups hit. */
  readonly strings: readonly string[];
  /** Sub-values of the original input: copying them elsewhere makes equal values where they differed. */
  readonly samples: readonly unknown[];
}

/** Keys and string leaves of `data`: inputs that name a data entry reach the policy's lookups. */
export function stringsOf(doc: unknown, limit = 200): string[] {
  const out = new Set<string>();
  const visit = (v: unknown): void => {
    if (out.size >= limit) return;
    if (typeof v === 'string') out.add(v);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (isRecord(v)) {
      for (const [k, x] of Object.entries(v)) {
        out.add(k);
        visit(x);
      }
    }
  };
  visit(doc);
  return [...out];
}

export function vocabularyOf(policyStrings: readonly string[], input: Maybe): Vocabulary {
  const samples: unknown[] = [];
  const collect = (v: unknown, depth: number): void => {
    samples.push(v);
    if (depth >= 4) return;
    if (Array.isArray(v)) for (const x of v) collect(x, depth + 1);
    else if (isRecord(v)) for (const x of Object.values(v)) collect(x, depth + 1);
  };
  if (input !== ABSENT) collect(input, 0);
  // Long strings are rarely keys or values a policy compares with; they only slow evaluation down.
  const strings = [...new Set(policyStrings.filter((s) => s.length <= 24))];
  return { strings, samples };
}

const pick = <T>(rng: Random, xs: readonly T[]): T | undefined => xs[Math.floor(rng() * xs.length)];

function randomKey(rng: Random, vocab: Vocabulary, forbidden: ReadonlySet<string>): string | undefined {
  for (let attempt = 0; attempt < 4; attempt++) {
    const key = rng() < 0.5 ? pick(rng, vocab.strings) : `k${Math.floor(rng() * 1000)}`;
    if (key !== undefined && !forbidden.has(key)) return key;
  }
  return undefined;
}

function randomScalar(rng: Random, vocab: Vocabulary): unknown {
  const r = rng();
  if (r < 0.08) return null;
  if (r < 0.16) return true;
  if (r < 0.22) return false;
  if (r < 0.4) return Math.floor(rng() * 7) - 2;
  if (r < 0.45) return Math.round(rng() * 1e4) / 100;
  if (r < 0.75) return pick(rng, vocab.strings) ?? 'a';
  if (r < 0.8) return '';
  return `s${Math.floor(rng() * 100)}`;
}

/** A random JSON value; objects never get a key from `forbidden` (pinned-absent members). */
export function randomJson(rng: Random, vocab: Vocabulary, depth: number, forbidden: ReadonlySet<string> = new Set()): unknown {
  const r = rng();
  if (depth <= 0 || r < 0.45) {
    const sample = rng() < 0.15 ? pick(rng, vocab.samples) : undefined;
    const fits = sample !== undefined && !(isRecord(sample) && [...forbidden].some((k) => Object.hasOwn(sample, k)));
    return fits ? sample : randomScalar(rng, vocab);
  }
  if (r < 0.65) {
    const n = Math.floor(rng() * 4);
    return Array.from({ length: n }, () => randomJson(rng, vocab, depth - 1));
  }
  const obj: Record<string, unknown> = {};
  const n = Math.floor(rng() * 5);
  for (let i = 0; i < n; i++) {
    const key = randomKey(rng, vocab, forbidden);
    if (key !== undefined) obj[key] = randomJson(rng, vocab, depth - 1);
  }
  return obj;
}

/** Any change at all, for a subtree that no reported path reaches into. */
function freeChange(rng: Random, vocab: Vocabulary, orig: Maybe, depth: number): Maybe {
  const r = rng();
  if (r < 0.1) return orig;
  if (r < 0.25) return ABSENT;
  if (r < 0.4 && vocab.samples.length > 0) return pick(rng, vocab.samples);
  if (r < 0.65 && (isRecord(orig) || Array.isArray(orig))) return mutateFreely(rng, vocab, orig, depth);
  if (r < 0.8 && orig !== ABSENT) return similar(rng, vocab, orig);
  return randomJson(rng, vocab, Math.min(depth, 3));
}

/**
 * A value of the same type near the original: random values of another type mostly land in the
 * "undefined" branches, while a policy's decisions turn on numbers one apart or strings it knows.
 */
function similar(rng: Random, vocab: Vocabulary, orig: unknown): unknown {
  if (typeof orig === 'number') return pick(rng, [orig + 1, orig - 1, 0, -orig, orig * 2, orig + 0.5]);
  if (typeof orig === 'boolean') return !orig;
  if (typeof orig === 'string') return rng() < 0.6 ? pick(rng, vocab.strings) ?? 'a' : pick(rng, [`${orig}x`, orig.toUpperCase(), '', orig.slice(1)]);
  if (orig === null) return pick(rng, [false, 0, '']);
  if (Array.isArray(orig)) {
    const out = [...orig];
    const i = Math.floor(rng() * out.length);
    const r = rng();
    if (r < 0.3) out.splice(i, 1);
    else if (r < 0.5) out.reverse();
    else if (r < 0.7 && out.length > 0) out.push(out[i]);
    else if (out.length > 0) out[i] = similar(rng, vocab, out[i]);
    else out.push(randomScalar(rng, vocab));
    return out;
  }
  if (isRecord(orig)) {
    const keys = Object.keys(orig);
    const key = pick(rng, keys);
    return key === undefined ? { [pick(rng, vocab.strings) ?? 'a']: randomScalar(rng, vocab) } : { ...orig, [key]: similar(rng, vocab, orig[key]) };
  }
  return randomScalar(rng, vocab);
}

function mutateFreely(rng: Random, vocab: Vocabulary, orig: Record<string, unknown> | unknown[], depth: number): unknown {
  if (Array.isArray(orig)) {
    const out: unknown[] = [];
    for (const x of orig) {
      const changed = rng() < 0.5 ? x : freeChange(rng, vocab, x, depth - 1);
      if (changed !== ABSENT) out.push(changed);
    }
    if (rng() < 0.4) out.push(randomJson(rng, vocab, depth - 1));
    return out;
  }
  return rebuildObject(rng, vocab, orig, undefined, depth);
}

/**
 * Copies an object member by member: reported members recurse under their pins, the others change
 * freely; new members never take a reported key (that could define a pinned-absent path).
 */
function rebuildObject(rng: Random, vocab: Vocabulary, orig: Record<string, unknown>, node: PinNode | undefined, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const reported = node?.children ?? new Map<string, PinNode>();
  for (const [key, value] of Object.entries(orig)) {
    const child = reported.get(key);
    const next = child === undefined ? (rng() < 0.5 ? value : freeChange(rng, vocab, value, depth - 1)) : perturbAt(rng, vocab, value, child, depth - 1);
    if (next !== ABSENT) out[key] = next;
  }
  for (const [key, child] of reported) {
    if (Object.hasOwn(orig, key)) continue;
    const next = perturbAt(rng, vocab, ABSENT, child, depth - 1);
    if (next !== ABSENT) out[key] = next;
  }
  const extra = Math.floor(rng() * 3);
  const forbidden = new Set(reported.keys());
  for (let i = 0; i < extra; i++) {
    const key = randomKey(rng, vocab, forbidden);
    if (key !== undefined && !Object.hasOwn(out, key)) out[key] = randomJson(rng, vocab, Math.min(depth, 2));
  }
  return out;
}

/** Whether some reported path at or below `node` is defined in `value`: then `value`'s shape stays. */
function pinsDefined(value: Maybe, node: PinNode): boolean {
  if (value === ABSENT) return false;
  if (node.value || node.presence) return true;
  if (!isRecord(value)) return false;
  for (const [key, child] of node.children) if (pinsDefined(Object.hasOwn(value, key) ? value[key] : ABSENT, child)) return true;
  return false;
}

function perturbAt(rng: Random, vocab: Vocabulary, orig: Maybe, node: PinNode, depth: number): Maybe {
  if (node.value) return orig;
  const childDefined = isRecord(orig) && [...node.children].some(([key, child]) => pinsDefined(Object.hasOwn(orig, key) ? orig[key] : ABSENT, child));
  if (childDefined && isRecord(orig)) return rebuildObject(rng, vocab, orig, node, depth);
  // No reported path below is defined: any value keeps them undefined as long as an object among
  // the choices does not take a reported key.
  if (node.presence && orig === ABSENT) return ABSENT;
  if (isRecord(orig) && rng() < 0.5) return rebuildObject(rng, vocab, orig, node, depth);
  if (!node.presence && rng() < 0.2) return ABSENT;
  if (node.children.size === 0) {
    const next = freeChange(rng, vocab, orig, depth);
    return next === ABSENT && node.presence ? orig : next;
  }
  return randomJson(rng, vocab, Math.min(depth, 3), new Set(node.children.keys()));
}

/** Whether the pinned paths read the same in both documents (what a cache keyed on them sees). */
export function agreesOnPins(use: InputUse, a: Maybe, b: Maybe): boolean {
  return use.values.every((p) => sameDocument(lookup(a, p), lookup(b, p)))
    && use.presence.every((p) => (lookup(a, p) === ABSENT) === (lookup(b, p) === ABSENT));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isRecord(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}

/**
 * A perturbation of `input` that agrees with it on every pinned path. The top level stays a defined,
 * non-falsy document when the original was one: the SDK sends a falsy input as no input at all.
 */
export function perturbInput(rng: Random, vocab: Vocabulary, use: InputUse, input: Maybe): Maybe {
  const tree = pinTree(use);
  let out: Maybe = input;
  // Most draws change something; a few more tries make an unchanged copy (a wasted evaluation) rare.
  for (let attempt = 0; attempt < 4 && sameDocument(out, input); attempt++) {
    out = perturbAt(rng, vocab, input, tree, 4);
    if (out === ABSENT || !out) out = input === ABSENT ? ABSENT : {};
  }
  return out;
}

export function sameDocument(a: Maybe, b: Maybe): boolean {
  return a === ABSENT || b === ABSENT ? a === b : JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}
