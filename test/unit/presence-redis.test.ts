import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { RedisPresence } from '../../src/cluster/presence.ts';
import { RedisLink } from '../../src/cluster/redis.ts';
import type { PresenceClusterHooks } from '../../src/services/presence.ts';
import { dropPrefix, sharedRedisUrl, uniquePrefix, until } from '../support/cluster.ts';
import { needs } from '../support/requires.ts';

const TIMEOUT = 1000;

/** One node's view of cluster presence, with what its hooks were told. */
class Node {
  readonly counts = new Map<number, number>();
  readonly offline: number[] = [];
  readonly online: number[] = [];
  readonly dead: string[] = [];
  readonly logs: string[] = [];
  readonly link: RedisLink;
  readonly presence: RedisPresence;

  constructor(
    prefix: string,
    readonly id: string,
  ) {
    const logger = pino({ level: 'warn' }, { write: (line: string) => this.logs.push(line) });
    this.link = new RedisLink({ url: sharedRedisUrl, prefix, nodeId: id }, logger);
    this.presence = new RedisPresence(this.link, id, TIMEOUT, logger);
  }

  async start(): Promise<this> {
    const hooks: PresenceClusterHooks = {
      counts: () => this.counts.entries(),
      wentOffline: (ids) => this.offline.push(...ids),
      cameOnline: (ids) => this.online.push(...ids),
      nodeDied: (id) => this.dead.push(id),
    };
    await this.link.start();
    await this.presence.start(hooks);
    return this;
  }

  async record(userId: number, count: number): Promise<boolean | undefined> {
    this.counts.set(userId, count);
    return this.presence.record(userId, count);
  }

  /** Dies without a word: its liveness key is left to expire. */
  async crash(): Promise<void> {
    await this.link.close();
  }

  async stop(): Promise<void> {
    await this.presence.stop();
    await this.link.close();
  }
}

describe('presence in Redis', await needs('redis'), () => {
  const prefix = uniquePrefix();
  const nodes: Node[] = [];
  const node = async (id: string) => {
    const n = await new Node(prefix, id).start();
    nodes.push(n);
    return n;
  };
  after(async () => {
    for (const n of nodes) await n.stop().catch(() => undefined);
    await dropPrefix(sharedRedisUrl, prefix);
  });

  it('counts a user online while any node holds a connection, and tells every node', async () => {
    const [a, b] = [await node('a'), await node('b')];
    assert.equal(await a.record(7, 1), true);
    await until(() => b.presence.isOnline(7), 'b to hear');
    assert.equal(await b.presence.elsewhere(7), 1);
    assert.equal(await b.record(7, 2), true);
    assert.equal(await a.presence.elsewhere(7), 2);
    assert.equal(await a.record(7, 0), true, 'still on b');
    assert.equal(await b.record(7, 0), false);
    await until(() => !a.presence.isOnline(7) && !b.presence.isOnline(7), 'both to hear');

    assert.equal(await a.presence.swapShown(7, '["online",""]'), true);
    assert.equal(await b.presence.swapShown(7, '["online",""]'), false, 'announced once');
    assert.equal(await b.presence.swapShown(7, null), true);
    assert.equal(await a.presence.swapShown(7, null), false);
  });

  it('lets exactly one survivor announce the users of a node that died, once its timeout has passed', async (t) => {
    const [c, d, e] = [await node('c'), await node('d'), await node('e')];
    await c.record(8, 1);
    await c.record(9, 3);
    await d.record(9, 1);
    await until(() => d.presence.isOnline(8) && e.presence.isOnline(8), 'the others to hear');
    const diedAt = Date.now();
    await c.crash();
    await until(() => !d.presence.isOnline(8) && !e.presence.isOnline(8), 'the sweep', TIMEOUT * 5);
    const took = Date.now() - diedAt;
    // Its liveness was last refreshed at most a quarter of the timeout before it died.
    assert.ok(took >= TIMEOUT * 0.7, `swept after ${took} ms, before its liveness could expire`);
    t.diagnostic(`swept ${took} ms after the crash (timeout ${TIMEOUT} ms)`);
    // The others hear the users go through pub/sub, which the sweep's script publishes before the
    // sweeping node has its answer and tells its hooks: wait for the sweeper's own report.
    await until(() => d.dead.length + e.dead.length > 0, 'the sweeper to report');
    assert.ok(d.presence.isOnline(9) && e.presence.isOnline(9), 'still held by d');
    assert.deepEqual([...d.offline, ...e.offline], [8], 'one announcement, for the user nobody else holds');
    assert.deepEqual([...d.dead, ...e.dead], ['c']);
  });

  it('clears what a previous run under the same id left at once, and reports two live nodes sharing an id', async () => {
    const [f, g] = [await node('f'), await node('g')];
    await f.record(10, 1);
    await until(() => g.presence.isOnline(10), 'g to hear');
    await f.crash();
    const again = await node('f');
    assert.deepEqual(again.offline, [10], 'the restarted node announces its previous run’s users');
    await until(() => !g.presence.isOnline(10), 'g to hear');

    const twin = await node('f');
    await until(() => again.logs.some((l) => l.includes('another running node uses this NODE_ID')) || twin.logs.some((l) => l.includes('another running node')), 'the clash to be reported', TIMEOUT * 3);
  });
});
