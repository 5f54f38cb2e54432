import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileMembersSource } from '../../src/members/file-members-source.js';
import { countBindings, MembersError } from '../../src/members/members-document.js';
import { MembersEvents } from './members-events.js';

const knownRoles = new Set(['Viewer', 'Editor', 'Admin']);
// The reload requirement: a members-file change serves within 2 s.
const RELOAD_DEADLINE_MS = 2_000;

const teamFile = (principal: string): string => `workspaces:\n  team:\n    members:\n      - {principal: ${principal}, roles: [Editor]}\n`;

describe('FileMembersSource', () => {
  let dir: string;
  let file: string;
  let source: FileMembersSource | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nmp-authz-members-'));
    file = join(dir, 'members.yaml');
  });

  afterEach(async () => {
    await source?.stop();
    source = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  function create(): FileMembersSource {
    source = new FileMembersSource({ path: file, knownRoles, debounceMs: 50, recheckIntervalMs: 0 });
    return source;
  }

  it('loads the file at start and reports what serves', async () => {
    await writeFile(file, teamFile('alice@example.com'));
    const events = new MembersEvents();
    await create().start(events.onUpdate, events.onError);
    const event = await events.next(0);
    assert.equal(event.kind, 'update');
    assert.equal(event.kind === 'update' && countBindings(event.doc), 1);
    const status = source?.status();
    assert.equal(status?.lastOutcome, 'loaded');
    assert.equal(status?.bindings, 1);
    assert.match(status?.revision ?? '', /^sha256:/);
  });

  it('serves a changed file within 2 s', async () => {
    await writeFile(file, teamFile('alice@example.com'));
    const events = new MembersEvents();
    await create().start(events.onUpdate, events.onError);
    await events.next(0);
    await writeFile(file, teamFile('bob@example.com'));
    const event = await events.next(RELOAD_DEADLINE_MS);
    assert.equal(event.kind, 'update');
    assert.deepEqual(event.kind === 'update' && event.doc.workspaces.get('team'), [{ principal: 'bob@example.com', roles: ['Editor'] }]);
  });

  it('follows a file replaced by rename, as editors and ConfigMap updates do', async () => {
    await writeFile(file, teamFile('alice@example.com'));
    const events = new MembersEvents();
    await create().start(events.onUpdate, events.onError);
    await events.next(0);
    await writeFile(join(dir, 'members.yaml.tmp'), teamFile('carol@example.com'));
    await rename(join(dir, 'members.yaml.tmp'), file);
    const event = await events.next(RELOAD_DEADLINE_MS);
    assert.deepEqual(event.kind === 'update' && event.doc.workspaces.get('team'), [{ principal: 'carol@example.com', roles: ['Editor'] }]);
  });

  it('refuses a broken file whole, naming the entry, and keeps the last good data', async () => {
    await writeFile(file, teamFile('alice@example.com'));
    const events = new MembersEvents();
    await create().start(events.onUpdate, events.onError);
    const before = source?.status().revision;
    await events.next(0);
    await writeFile(file, 'workspaces:\n  team:\n    members:\n      - {principal: bob@example.com, roles: [Editor]}\n      - {principal: eve@example.com, roles: [Owner]}\n');
    const event = await events.next(RELOAD_DEADLINE_MS);
    assert.equal(event.kind, 'error');
    const error = event.kind === 'error' ? event.error : undefined;
    assert.ok(error instanceof MembersError);
    assert.equal(error.code, 'members_invalid');
    assert.deepEqual(error.problems.map((p) => [p.code, p.path]), [['unknown_role', 'workspaces.team.members[1].roles[0]']]);
    const status = source?.status();
    assert.equal(status?.lastOutcome, 'rejected');
    assert.equal(status?.revision, before);
    assert.equal(status?.rejectedUpdates, 1);
    assert.ok(status?.lastError?.includes('workspaces.team.members[1].roles[0]'));
  });

  it('applies the next good version after a rejected one and clears the error', async () => {
    await writeFile(file, 'workspaces: [');
    const events = new MembersEvents();
    await create().start(events.onUpdate, events.onError);
    assert.equal((await events.next(0)).kind, 'error');
    await writeFile(file, teamFile('dave@example.com'));
    const event = await events.next(RELOAD_DEADLINE_MS);
    assert.equal(event.kind, 'update');
    assert.equal(source?.status().lastError, null);
    assert.equal(source?.status().lastOutcome, 'loaded');
  });

  it('ignores a write that leaves the content unchanged', async () => {
    await writeFile(file, teamFile('alice@example.com'));
    const events = new MembersEvents();
    await create().start(events.onUpdate, events.onError);
    await events.next(0);
    await writeFile(file, teamFile('alice@example.com'));
    await source?.reload();
    assert.equal(events.pending(), 0);
    assert.equal(source?.status().lastOutcome, 'unchanged');
  });

  it('reports a missing file, keeps watching, and loads it once it appears', async () => {
    const events = new MembersEvents();
    await create().start(events.onUpdate, events.onError);
    const first = await events.next(0);
    assert.equal(first.kind === 'error' && first.error instanceof MembersError && first.error.code, 'members_unreadable');
    assert.equal(source?.status().lastOutcome, 'unreachable');
    await writeFile(file, teamFile('alice@example.com'));
    assert.equal((await events.next(RELOAD_DEADLINE_MS)).kind, 'update');
  });

  it('reports a missing directory instead of failing to start', async () => {
    file = join(dir, 'not-mounted', 'members.yaml');
    const events = new MembersEvents();
    await create().start(events.onUpdate, events.onError);
    const first = await events.next(0);
    assert.equal(first.kind === 'error' && first.error instanceof MembersError && first.error.code, 'members_unreadable');
    assert.equal(source?.status().lastOutcome, 'unreachable');
  });

  it('reads JSON files', async () => {
    file = join(dir, 'members.json');
    await writeFile(file, JSON.stringify({ workspaces: { team: { members: [{ principal: '*', roles: ['Viewer'] }] } } }));
    const events = new MembersEvents();
    await create().start(events.onUpdate, events.onError);
    const event = await events.next(0);
    assert.deepEqual(event.kind === 'update' && event.doc.workspaces.get('team'), [{ principal: '*', roles: ['Viewer'] }]);
  });

  it('waits out a momentarily empty file instead of refusing it', async () => {
    await writeFile(file, teamFile('alice@example.com'));
    const events = new MembersEvents();
    await create().start(events.onUpdate, events.onError);
    await events.next(0);
    await writeFile(file, '');
    await source?.reload();
    assert.equal(events.pending(), 0);
    assert.equal(source?.status().bindings, 1);
  });

  it('refuses an empty file when nothing has loaded yet', async () => {
    await writeFile(file, '');
    const events = new MembersEvents();
    await create().start(events.onUpdate, events.onError);
    assert.equal((await events.next(0)).kind, 'error');
  });

  it('reports nothing after stop', async () => {
    await writeFile(file, teamFile('alice@example.com'));
    const events = new MembersEvents();
    await create().start(events.onUpdate, events.onError);
    await events.next(0);
    await source?.stop();
    await writeFile(file, teamFile('bob@example.com'));
    await source?.reload();
    assert.equal(events.pending(), 0);
  });
});
