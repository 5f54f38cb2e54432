import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { countBindings, type MembersParseResult, parseMembersBundleData, parseMembersDocument, parseMembersText } from '../../src/members/members-document.js';
import { packageRoot } from '../../src/shared/package-root.js';

const knownRoles = new Set(['Viewer', 'Editor', 'Admin', 'PlatformAdmin', 'WorkspaceCreator']);

const valid = {
  workspaces: {
    'ml-team': {
      members: [
        { principal: 'alice@example.com', roles: ['Admin'] },
        { principal: 'data-scientists', roles: ['Editor'] },
        { principal: '*', roles: ['Viewer'] },
      ],
    },
  },
};

function problemsOf(result: MembersParseResult): { code: string; path: string }[] {
  assert.equal(result.ok, false);
  return result.ok ? [] : result.problems.map(({ code, path }) => ({ code, path }));
}

/** A deep copy of `valid` with one change, so each case differs from the base in one thing. */
function withChange(change: (doc: { workspaces: Record<string, { members: unknown[] }> }) => void): unknown {
  const copy = structuredClone(valid) as { workspaces: Record<string, { members: unknown[] }> };
  change(copy);
  return copy;
}

describe('parseMembersDocument', () => {
  it('accepts the §8.3 shape and keeps every binding', () => {
    const result = parseMembersDocument(valid, { knownRoles });
    assert.ok(result.ok);
    assert.deepEqual(result.document.workspaces.get('ml-team'), valid.workspaces['ml-team'].members);
    assert.equal(countBindings(result.document), 3);
  });

  it('accepts the shipped example members file', () => {
    const text = readFileSync(join(packageRoot(), 'policies', 'members.example.yaml'), 'utf8');
    const result = parseMembersText(text, 'yaml', { knownRoles });
    assert.ok(result.ok, JSON.stringify(result));
    assert.ok(countBindings(result.document) > 0);
  });

  it('treats a document without workspaces as no bindings', () => {
    const result = parseMembersDocument({}, { knownRoles });
    assert.ok(result.ok);
    assert.equal(result.document.workspaces.size, 0);
  });

  it('names the entry holding an unknown role', () => {
    const doc = withChange((d) => d.workspaces['ml-team']?.members.push({ principal: 'bob@example.com', roles: ['Viewer', 'Editr'] }));
    assert.deepEqual(problemsOf(parseMembersDocument(doc, { knownRoles })), [{ code: 'unknown_role', path: 'workspaces.ml-team.members[3].roles[1]' }]);
  });

  it('accepts any role name when no role list is given', () => {
    const doc = withChange((d) => d.workspaces['ml-team']?.members.push({ principal: 'bob@example.com', roles: ['Custom'] }));
    assert.ok(parseMembersDocument(doc).ok);
  });

  for (const [label, principal] of [
    ['an empty principal', ''],
    ['a principal with a comma', 'a,b'],
    ['a principal with a newline', 'alice\n@example.com'],
    ['a principal with surrounding spaces', ' alice@example.com'],
    ['a principal that is not a string', 42],
    ['a principal longer than 320 characters', 'x'.repeat(321)],
  ] as const) {
    it(`refuses ${label} as malformed_principal`, () => {
      const doc = withChange((d) => d.workspaces['ml-team']?.members.splice(1, 1, { principal, roles: ['Editor'] }));
      assert.deepEqual(problemsOf(parseMembersDocument(doc, { knownRoles })), [{ code: 'malformed_principal', path: 'workspaces.ml-team.members[1].principal' }]);
    });
  }

  it('refuses members that are not a list', () => {
    assert.deepEqual(problemsOf(parseMembersDocument({ workspaces: { a: { members: { principal: 'x' } } } }, { knownRoles })), [
      { code: 'wrong_shape', path: 'workspaces.a.members' },
    ]);
  });

  it('refuses a binding without roles', () => {
    const doc = withChange((d) => d.workspaces['ml-team']?.members.push({ principal: 'bob@example.com', roles: [] }));
    assert.deepEqual(problemsOf(parseMembersDocument(doc, { knownRoles })), [{ code: 'wrong_shape', path: 'workspaces.ml-team.members[3].roles' }]);
  });

  it('refuses unknown keys, which are usually typos', () => {
    const doc = withChange((d) => d.workspaces['ml-team']?.members.push({ principal: 'bob@example.com', role: ['Viewer'], roles: ['Viewer'] }));
    assert.deepEqual(problemsOf(parseMembersDocument(doc, { knownRoles })), [{ code: 'unknown_key', path: 'workspaces.ml-team.members[3].role' }]);
  });

  it('refuses a malformed workspace name', () => {
    const doc = withChange((d) => {
      d.workspaces['bad name'] = { members: [] };
    });
    assert.deepEqual(problemsOf(parseMembersDocument(doc, { knownRoles })), [{ code: 'malformed_workspace', path: 'workspaces.bad name' }]);
  });

  it('refuses a root that is not a mapping', () => {
    assert.deepEqual(problemsOf(parseMembersDocument(['x'], { knownRoles })), [{ code: 'wrong_shape', path: '(root)' }]);
  });

  it('reports every problem of a document at once', () => {
    const doc = { workspaces: { a: { members: [{ principal: '', roles: ['Nope'] }] }, b: 'x' } };
    assert.deepEqual(
      problemsOf(parseMembersDocument(doc, { knownRoles })).map((p) => p.code),
      ['malformed_principal', 'unknown_role', 'wrong_shape'],
    );
  });

  it('keeps workspace and principal names like constructor as plain data', () => {
    const result = parseMembersDocument({ workspaces: { constructor: { members: [{ principal: 'constructor', roles: ['Viewer'] }] } } }, { knownRoles });
    assert.ok(result.ok);
    assert.deepEqual(result.document.workspaces.get('constructor'), [{ principal: 'constructor', roles: ['Viewer'] }]);
  });
});

describe('parseMembersText', () => {
  it('reads JSON', () => {
    const result = parseMembersText(JSON.stringify(valid), 'json', { knownRoles });
    assert.ok(result.ok);
    assert.equal(countBindings(result.document), 3);
  });

  it('reports unparsable YAML as one problem at the root', () => {
    assert.deepEqual(problemsOf(parseMembersText('workspaces: [unclosed', 'yaml', { knownRoles })), [{ code: 'unparsable', path: '(root)' }]);
  });

  it('reports unparsable JSON as one problem at the root', () => {
    assert.deepEqual(problemsOf(parseMembersText('{"workspaces":', 'json', { knownRoles })), [{ code: 'unparsable', path: '(root)' }]);
  });
});

describe('parseMembersBundleData', () => {
  it('reads the members file shape at the root of data.json', () => {
    const result = parseMembersBundleData(valid, { knownRoles });
    assert.ok(result.ok);
    assert.equal(countBindings(result.document), 3);
  });

  it('reads the members file shape under authz', () => {
    const result = parseMembersBundleData({ authz: valid }, { knownRoles });
    assert.ok(result.ok);
    assert.equal(countBindings(result.document), 3);
  });

  it('reads the §8.1 principals shape', () => {
    const result = parseMembersBundleData(
      { authz: { principals: { 'alice@example.com': { workspaces: { 'ml-team': ['Admin'], research: ['Viewer'] } }, '*': { workspaces: { 'ml-team': ['Viewer'] } } } } },
      { knownRoles },
    );
    assert.ok(result.ok);
    assert.deepEqual(result.document.workspaces.get('ml-team'), [
      { principal: 'alice@example.com', roles: ['Admin'] },
      { principal: '*', roles: ['Viewer'] },
    ]);
    assert.deepEqual(result.document.workspaces.get('research'), [{ principal: 'alice@example.com', roles: ['Viewer'] }]);
  });

  it('validates the principals shape with the same rules', () => {
    const result = parseMembersBundleData({ authz: { principals: { 'alice@example.com': { workspaces: { 'ml-team': ['Root'] } } } } }, { knownRoles });
    assert.deepEqual(problemsOf(result), [{ code: 'unknown_role', path: 'workspaces.ml-team.members[0].roles[0]' }]);
  });

  it('names a principals entry of the wrong shape', () => {
    const result = parseMembersBundleData({ authz: { principals: { 'alice@example.com': ['Admin'] } } }, { knownRoles });
    assert.deepEqual(problemsOf(result), [{ code: 'wrong_shape', path: 'authz.principals.alice@example.com' }]);
  });
});
