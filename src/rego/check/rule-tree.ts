// The tree of documents that rules define under `data`: inner nodes are packages and rule-path
// prefixes, leaves are rule groups. Shared by the checker (dependencies, `with` targets) and the
// planner (which parts of a reference are virtual and which are base data).

import type { Term } from '../ast.js';
import { groupKey as pathKey, type RuleGroup } from './program.js';

export interface RuleTreeNode {
  readonly path: readonly string[];
  readonly children: Map<string, RuleTreeNode>;
  group?: RuleGroup;
}

export function buildRuleTree(groups: Iterable<RuleGroup>): RuleTreeNode {
  const root: RuleTreeNode = { path: [], children: new Map() };
  for (const group of groups) {
    let node = root;
    for (const seg of group.path) {
      let child = node.children.get(seg);
      if (child === undefined) {
        child = { path: [...node.path, seg], children: new Map() };
        node.children.set(seg, child);
      }
      node = child;
    }
    node.group = group;
  }
  return root;
}

/** Every group at or below the node. */
export function groupsUnder(node: RuleTreeNode, out: RuleGroup[] = []): RuleGroup[] {
  if (node.group) out.push(node.group);
  for (const child of [...node.children.keys()].sort()) groupsUnder(node.children.get(child) as RuleTreeNode, out);
  return out;
}

/**
 * Documents replaced by `with data.<path> as …` for the expression being planned, by dotted path.
 * Under a replaced path the rules are not evaluated: the replacement sits in the data local.
 */
export type Overrides = ReadonlySet<string>;

const NO_OVERRIDES: Overrides = new Set();


/**
 * True when the node or something below it is a rule that is part of the data document (not a
 * function) and not replaced by a `with`.
 */
export function hasValueRules(node: RuleTreeNode, overrides: Overrides = NO_OVERRIDES): boolean {
  if (overrides.has(pathKey(node.path))) return false;
  if (node.group) return node.group.kind !== 'function';
  for (const child of node.children.values()) if (hasValueRules(child, overrides)) return true;
  return false;
}

export type DataRefTarget =
  /** The walk reached a rule group; `rest` is the remaining path. */
  | { readonly kind: 'group'; readonly group: RuleGroup; readonly node: RuleTreeNode; readonly consumed: number }
  /** The walk stopped on an inner node with rules below (path ended or a non-constant key). */
  | { readonly kind: 'node'; readonly node: RuleTreeNode; readonly consumed: number }
  /** The path leaves the tree after `consumed` segments: base data only from there on. */
  | { readonly kind: 'base'; readonly consumed: number };

/** Follows a `data` ref's constant prefix through the tree. */
export function walkDataRef(root: RuleTreeNode, path: readonly Term[], overrides: Overrides = NO_OVERRIDES): DataRefTarget {
  let node = root;
  let i = 0;
  for (;;) {
    if (overrides.has(pathKey(node.path))) return { kind: 'base', consumed: i };
    if (node.group) return { kind: 'group', group: node.group, node, consumed: i };
    const seg = path[i];
    if (seg === undefined) return { kind: 'node', node, consumed: i };
    if (seg.kind !== 'string') return { kind: 'node', node, consumed: i };
    const child = node.children.get(seg.value);
    if (child === undefined) return { kind: 'base', consumed: i };
    node = child;
    i++;
  }
}
