import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import type { PresenceCluster, PresenceClusterHooks } from '../services/presence.ts';
import type { RedisLink } from './redis.ts';

/*
 * Keys, under the prefix:
 *   presence:nodes          set of registered node ids
 *   presence:alive:<node>   the node's liveness, expiring (PX node timeout), refreshed by its heartbeat;
 *                           the value names the running process, to catch two nodes sharing an id
 *   presence:node:<node>    hash user id -> open connections of that user on the node
 *   presence:user:<user>    hash node id -> open connections of the user on that node
 *   presence:online         set of users with a connection on any node (snapshots)
 *   presence:version        counter of online/offline changes; each change is published on the
 *                           `presence` channel as "<version>:<user>:<1|0>" from inside the script that
 *                           made it, so the channel carries the changes in the order they happened
 *   presence:shown:<user>   what the user's watchers were last told (absent: offline)
 * The scripts touch keys they compute, which needs one Redis (or Sentinel), not Redis Cluster.
 */

const LIB = `
local P = ARGV[1]
local function changed(user, online)
  if online then redis.call('SADD', P..'presence:online', user) else redis.call('SREM', P..'presence:online', user) end
  local v = redis.call('INCR', P..'presence:version')
  redis.call('PUBLISH', P..'presence', v..':'..user..':'..(online and '1' or '0'))
end
-- Sets the node's count for the user; returns how many nodes hold the user now, and 1 when the user
-- came online anywhere, -1 when the user went offline everywhere, 0 otherwise.
local function setCount(node, user, count)
  local ukey = P..'presence:user:'..user
  local before = redis.call('HLEN', ukey)
  if count > 0 then
    redis.call('HSET', ukey, node, count)
    redis.call('HSET', P..'presence:node:'..node, user, count)
  else
    redis.call('HDEL', ukey, node)
    redis.call('HDEL', P..'presence:node:'..node, user)
  end
  local after = redis.call('HLEN', ukey)
  if before == 0 and after > 0 then changed(user, true) return after, 1 end
  if before > 0 and after == 0 then changed(user, false) return after, -1 end
  return after, 0
end
-- Removes all a node holds; returns the users now offline everywhere.
local function reap(node)
  local gone = {}
  for _, user in ipairs(redis.call('HKEYS', P..'presence:node:'..node)) do
    local _, change = setCount(node, user, 0)
    if change == -1 then gone[#gone + 1] = user end
  end
  redis.call('DEL', P..'presence:node:'..node)
  redis.call('SREM', P..'presence:nodes', node)
  return gone
end
`;

/** ARGV: prefix, node, user, count → nodes holding the user now, or -1 when the node is not registered. */
const RECORD = `${LIB}
if redis.call('SISMEMBER', P..'presence:nodes', ARGV[2]) == 0 then return -1 end
local holders = setCount(ARGV[2], ARGV[3], tonumber(ARGV[4]))
return holders
`;

/**
 * ARGV: prefix, node, process token, ttl ms, then user, count pairs: the node's whole state.
 * Replaces whatever Redis holds for the node (a previous run's leftovers, counts that missed
 * updates while Redis was away) and registers it alive. → {users gone offline, users come online}
 */
const JOIN = `${LIB}
local node = ARGV[2]
local want = {}
for i = 5, #ARGV, 2 do want[ARGV[i]] = tonumber(ARGV[i + 1]) end
local gone, came = {}, {}
for _, user in ipairs(redis.call('HKEYS', P..'presence:node:'..node)) do
  if want[user] == nil then
    local _, change = setCount(node, user, 0)
    if change == -1 then gone[#gone + 1] = user end
  end
end
for user, count in pairs(want) do
  local _, change = setCount(node, user, count)
  if change == 1 then came[#came + 1] = user end
end
redis.call('SADD', P..'presence:nodes', node)
redis.call('SET', P..'presence:alive:'..node, ARGV[3], 'PX', ARGV[4])
return {gone, came}
`;

/** ARGV: prefix, node, process token, ttl ms → 1 alive, 0 reaped (join again), -1 another process holds the id. */
const HEARTBEAT = `
local P = ARGV[1]
if redis.call('SISMEMBER', P..'presence:nodes', ARGV[2]) == 0 then return 0 end
local key = P..'presence:alive:'..ARGV[2]
local holder = redis.call('GET', key)
redis.call('SET', key, ARGV[3], 'PX', ARGV[4])
if holder and holder ~= ARGV[3] then return -1 end
return 1
`;

/** ARGV: prefix → {node, {users gone offline}, ...} for each node whose liveness expired. */
const SWEEP = `${LIB}
local dead = {}
for _, node in ipairs(redis.call('SMEMBERS', P..'presence:nodes')) do
  if redis.call('EXISTS', P..'presence:alive:'..node) == 0 then
    dead[#dead + 1] = node
    dead[#dead + 1] = reap(node)
  end
end
return dead
`;

/** ARGV: prefix, node, process token → users gone offline. A node stopping cleanly leaves at once. */
const LEAVE = `${LIB}
local key = P..'presence:alive:'..ARGV[2]
if redis.call('GET', key) ~= ARGV[3] then return {} end
redis.call('DEL', key)
return reap(ARGV[2])
`;

/** ARGV: prefix, user, shown ('' for offline) → 1 when it differs from what was shown, 0 otherwise. */
const SHOWN = `
local key = ARGV[1]..'presence:shown:'..ARGV[2]
local current = redis.call('GET', key) or ''
if current == ARGV[3] then return 0 end
if ARGV[3] == '' then redis.call('DEL', key) else redis.call('SET', key, ARGV[3]) end
return 1
`;

interface PresenceCommands {
  parleyPresenceRecord(prefix: string, node: string, user: string, count: string): Promise<number>;
  parleyPresenceJoin(prefix: string, node: string, token: string, ttl: string, ...pairs: string[]): Promise<[string[], string[]]>;
  parleyPresenceHeartbeat(prefix: string, node: string, token: string, ttl: string): Promise<number>;
  parleyPresenceSweep(prefix: string): Promise<(string | string[])[]>;
  parleyPresenceLeave(prefix: string, node: string, token: string): Promise<string[]>;
  parleyPresenceShown(prefix: string, user: string, shown: string): Promise<number>;
}

type RedisWithPresence = Redis & PresenceCommands;

const ids = (list: readonly string[]) => list.map(Number);

/**
 * Presence shared by the nodes through Redis. Each node writes how many connections each user has
 * on it; a user is online while any node holds one. Nodes prove they are alive with a heartbeat
 * (an expiring key refreshed every quarter of the node timeout); every heartbeat also sweeps the
 * nodes whose key expired, atomically, so exactly one surviving node learns that a dead node's
 * users went offline, announces it, and ends the calls that node held.
 *
 * Each node keeps a copy of who is online anywhere, from a snapshot and then the ordered stream
 * of changes, so `isOnline` answers at once (REST `online`, encoders). What watchers were last
 * told is kept in Redis, so the node that makes a change announces it and no other repeats it.
 *
 * While Redis is away, nodes keep counting their own users; the first heartbeat that gets through
 * writes this node's whole state again. A node cut off for longer than the timeout is swept by
 * the others meanwhile (its users announced offline); when it joins again, the users it still holds
 * come online again and are announced.
 */
export class RedisPresence implements PresenceCluster {
  private readonly redis: RedisWithPresence;
  private readonly token = randomBytes(8).toString('hex');
  private readonly prefix: string;
  private readonly online = new Set<number>();
  /** Changes up to this version are in the snapshot. */
  private floor = 0;
  /** Changes that arrived while a snapshot was being read. */
  private early: string[] | null = null;
  private snapshotting: Promise<void> | undefined;
  /** The last snapshot failed (the command connection came back after the subscription): retry at the next heartbeat. */
  private snapshotDue = false;
  private hooks: PresenceClusterHooks | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  /** Some write failed: the next heartbeat writes the whole state again. */
  private stale = true;
  private stopped = false;

  constructor(
    private readonly link: RedisLink,
    private readonly nodeId: string,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {
    this.prefix = link.key('');
    const redis = link.command;
    redis.defineCommand('parleyPresenceRecord', { numberOfKeys: 0, lua: RECORD });
    redis.defineCommand('parleyPresenceJoin', { numberOfKeys: 0, lua: JOIN });
    redis.defineCommand('parleyPresenceHeartbeat', { numberOfKeys: 0, lua: HEARTBEAT });
    redis.defineCommand('parleyPresenceSweep', { numberOfKeys: 0, lua: SWEEP });
    redis.defineCommand('parleyPresenceLeave', { numberOfKeys: 0, lua: LEAVE });
    redis.defineCommand('parleyPresenceShown', { numberOfKeys: 0, lua: SHOWN });
    this.redis = redis as RedisWithPresence;
    link.listen('presence', (text) => this.onChange(text));
    link.onUp(() => void this.snapshot());
    link.onDown(() => {
      this.snapshotDue = true;
    });
  }

  /** Joins (clearing what a previous run under this id left) and starts the heartbeat. */
  async start(hooks: PresenceClusterHooks): Promise<void> {
    this.hooks = hooks;
    await this.tick();
    if (this.link.subscribed) await this.snapshot();
    this.heartbeat = setInterval(() => void this.tick(), Math.max(250, Math.floor(this.timeoutMs / 4)));
    this.heartbeat.unref();
  }

  isOnline(userId: number): boolean {
    return this.online.has(userId);
  }

  async record(userId: number, count: number): Promise<boolean | undefined> {
    try {
      const holders = await this.redis.parleyPresenceRecord(this.prefix, this.nodeId, String(userId), String(count));
      if (holders >= 0) return holders > 0;
      // Swept while cut off: join again with the whole state (this count included).
      this.stale = true;
      void this.tick();
    } catch {
      this.stale = true;
    }
    return undefined;
  }

  async swapShown(userId: number, shown: string | null): Promise<boolean> {
    try {
      return (await this.redis.parleyPresenceShown(this.prefix, String(userId), shown ?? '')) === 1;
    } catch {
      // Unknown: better a repeated presence frame than a missing one.
      return true;
    }
  }

  async elsewhere(userId: number): Promise<number> {
    try {
      const perNode = await this.redis.hgetall(this.link.key(`presence:user:${userId}`));
      let n = 0;
      for (const [node, count] of Object.entries(perNode)) if (node !== this.nodeId) n += Number(count);
      return n;
    } catch {
      return 0;
    }
  }

  /** Leaves at once (the others need not wait for the timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    await this.ticking;
    await this.redis.parleyPresenceLeave(this.prefix, this.nodeId, this.token).catch(() => undefined);
  }

  private tick(): Promise<void> {
    this.ticking ??= this.beat().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async beat(): Promise<void> {
    if (this.stopped || !this.hooks) return;
    const ttl = String(this.timeoutMs);
    try {
      if (!this.stale) {
        const alive = await this.redis.parleyPresenceHeartbeat(this.prefix, this.nodeId, this.token, ttl);
        if (alive === -1) this.logger.error({ nodeId: this.nodeId }, 'another running node uses this NODE_ID; give every node its own');
        if (alive === 0) {
          this.logger.warn({ nodeId: this.nodeId }, 'this node was counted dead by the others; joining again');
          this.stale = true;
        }
      }
      if (this.stale) {
        const pairs = [...this.hooks.counts()].flatMap(([user, count]) => [String(user), String(count)]);
        this.stale = false;
        const [gone, came] = await this.redis.parleyPresenceJoin(this.prefix, this.nodeId, this.token, ttl, ...pairs);
        if (gone.length > 0) this.hooks.wentOffline(ids(gone));
        if (came.length > 0) this.hooks.cameOnline(ids(came));
      }
      if (this.snapshotDue && this.link.subscribed) await this.snapshot();
      const dead = await this.redis.parleyPresenceSweep(this.prefix);
      for (let i = 0; i < dead.length; i += 2) {
        const node = dead[i] as string;
        const gone = dead[i + 1] as string[];
        this.logger.warn({ nodeId: node, users: gone.length }, 'a node stopped answering; its users are offline now');
        if (gone.length > 0) this.hooks.wentOffline(ids(gone));
        this.hooks.nodeDied(node);
      }
    } catch (err) {
      this.stale = true;
      this.logger.debug({ err }, 'presence heartbeat failed');
    }
  }

  /** Reads who is online now; changes published meanwhile are applied after it, if newer. */
  private snapshot(): Promise<void> {
    this.snapshotting ??= this.readSnapshot().finally(() => {
      this.snapshotting = undefined;
    });
    return this.snapshotting;
  }

  private async readSnapshot(): Promise<void> {
    this.early = [];
    this.snapshotDue = false;
    try {
      const result = await this.redis.multi().smembers(this.link.key('presence:online')).get(this.link.key('presence:version')).exec();
      if (!result || result.some(([err]) => err)) throw new Error('snapshot failed');
      const [members, version] = result.map(([, value]) => value) as [string[], string | null];
      this.online.clear();
      for (const id of members) this.online.add(Number(id));
      this.floor = Number(version ?? 0);
    } catch (err) {
      this.snapshotDue = true;
      this.logger.debug({ err }, 'presence snapshot failed; retrying at the next heartbeat');
    } finally {
      const early = this.early ?? [];
      this.early = null;
      for (const text of early) this.onChange(text);
    }
  }

  private onChange(text: string): void {
    if (this.early) {
      this.early.push(text);
      return;
    }
    const [v, user, on] = text.split(':');
    if (Number(v) <= this.floor) return;
    if (on === '1') this.online.add(Number(user));
    else this.online.delete(Number(user));
  }
}
