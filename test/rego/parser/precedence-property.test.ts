import { strict as assert } from 'node:assert';
import { parseTerm } from '../../../src/rego/parser.js';
import { showTerm } from './show-ast.js';

// Property: for random flat operator chains `t0 op1 t1 op2 t2 …`, the parser builds the same tree as
// a reference precedence-climbing evaluator over OPA's table (all levels left-associative).

const LEVELS: ReadonlyArray<ReadonlyArray<readonly [string, string]>> = [
  [['in', 'internal.member_2']],
  [['==', 'equal'], ['!=', 'neq'], ['<', 'lt'], ['<=', 'lte'], ['>', 'gt'], ['>=', 'gte']],
  [['|', 'or']],
  [['&', 'and']],
  [['+', 'plus'], ['-', 'minus']],
  [['*', 'mul'], ['/', 'div'], ['%', 'rem']],
];
const OPS = LEVELS.flatMap((level, prec) => level.map(([sym, name]) => ({ sym, name, prec })));

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

interface Gen {
  readonly src: string;
  readonly shown: string;
}

function leaf(rand: () => number, depth: number): Gen {
  const pick = Math.floor(rand() * (depth > 2 ? 5 : 8));
  switch (pick) {
    case 0: return { src: 'x', shown: 'x' };
    case 1: {
      const n = String(Math.floor(rand() * 100));
      return { src: n, shown: n };
    }
    case 2: return { src: '-3.5', shown: '-3.5' };
    case 3: return { src: '"s"', shown: '"s"' };
    case 4: return { src: 'input.a[y]', shown: 'input.a[y]' };
    case 5: {
      const inner = chain(rand, depth + 1);
      return { src: `(${inner.src})`, shown: inner.shown };
    }
    case 6: {
      const a = chain(rand, depth + 1);
      const b = chain(rand, depth + 1);
      return { src: `f(${a.src}, ${b.src})`, shown: `f(${a.shown}, ${b.shown})` };
    }
    default: {
      const a = chain(rand, depth + 1);
      return { src: `[(${a.src}), 1]`, shown: `[${a.shown}, 1]` };
    }
  }
}

/** A flat chain and its expected tree, built by precedence climbing. */
function chain(rand: () => number, depth: number): Gen {
  const n = depth > 2 ? 1 : 1 + Math.floor(rand() * 5);
  const terms: Gen[] = [leaf(rand, depth)];
  const ops: (typeof OPS)[number][] = [];
  for (let i = 1; i < n; i++) {
    ops.push(OPS[Math.floor(rand() * OPS.length)]!);
    terms.push(leaf(rand, depth));
  }
  let pos = 0;
  const climb = (minPrec: number): string => {
    let lhs = terms[pos]!.shown;
    while (pos < ops.length && ops[pos]!.prec >= minPrec) {
      const op = ops[pos]!;
      pos++;
      const rhs = climb(op.prec + 1);
      lhs = `${op.name}(${lhs}, ${rhs})`;
    }
    return lhs;
  };
  const shown = climb(0);
  const src = terms.map((t, i) => (i === 0 ? t.src : ` ${ops[i - 1]!.sym} ${t.src}`)).join('');
  return { src, shown };
}

describe('rego parser operator precedence (property)', () => {
  it('matches a reference precedence-climbing parser on random operator chains', () => {
    const rand = prng(424242);
    for (let i = 0; i < 4000; i++) {
      const g = chain(rand, 0);
      const r = parseTerm(g.src);
      if (!r.ok) assert.fail(`#${i}: ${g.src}: ${JSON.stringify(r.diagnostics)}`);
      assert.equal(showTerm(r.term), g.shown, `#${i}: ${g.src}`);
    }
  });
});
