import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { createCore, type Core } from '../../src/core.ts';
import type { DomainEvent } from '../../src/domain/events.ts';
import { createLogger } from '../../src/logger.ts';
import type { SendResult } from '../../src/services/messages.ts';
import { until } from '../support/cluster.ts';
import { testEnv } from '../support/server.ts';
import { scratch, storeKinds, type Scratch } from '../support/stores.ts';
import { uniquePhone } from '../support/users.ts';

/** The id of the message a `message.created` event carries, else undefined. */
function createdId(e: DomainEvent): number | undefined {
  return e.type === 'message.created' ? (e.data as { message: { id: number } }).message.id : undefined;
}

/** The id of the message a send stored. */
async function sentId(sending: Promise<SendResult>): Promise<number> {
  const r = await sending;
  assert.equal(r.kind, 'sent');
  return r.kind === 'sent' ? r.view.message.id : -1;
}

// Two cores on one database and no Redis: a server and a CLI command beside it.
for (const kind of storeKinds) {
  describe(`a node without Redis follows the log [${kind}]`, () => {
    let dir: Scratch;
    let server: Core;
    let cli: Core;
    const seen: DomainEvent[] = [];

    before(async () => {
      dir = await scratch(kind);
      const config = loadConfig({ ...testEnv, DATA_DIR: dir.dataDir, DATABASE_URL: dir.databaseUrl });
      server = await createCore(config, createLogger('silent'));
      cli = await createCore(config, createLogger('silent'));
      server.bus.subscribe({ events: (evs) => seen.push(...evs) });
    });
    after(async () => {
      await cli.close();
      await server.close();
      await dir.cleanup();
    });

    it("delivers its own events at once and another process's within the check interval, each once and in seq order", async () => {
      const user = (nickname: string) => server.auth.createUser({ phone: uniquePhone(), password: 'password123', nickname });
      const [a, b] = [await user('a'), await user('b')];
      const chat = (await server.conversations.create(a.id, { type: 'group', name: 'g', members: [b.id] })).conversation.id;

      const own = await sentId(server.messages.send(a.id, chat, { type: 'text', content: 'from the server' }));
      assert.ok(
        seen.some((e) => createdId(e) === own),
        'the node’s own event was delivered before the call returned',
      );

      const theirs = await sentId(cli.messages.send(b.id, chat, { type: 'text', content: 'from the CLI' }));
      const next = await sentId(server.messages.send(a.id, chat, { type: 'text', content: 'after it' }));
      await until(() => seen.some((e) => createdId(e) === theirs) && seen.some((e) => createdId(e) === next), 'the other process’s message.created', 3000);
      const seqOf = (id: number) => seen.find((e) => createdId(e) === id)!.seq;
      assert.ok(seqOf(theirs) < seqOf(next), 'the other process’s message before the one after it');

      const seqs = seen.map((e) => e.seq);
      assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'in seq order');
      assert.equal(new Set(seqs).size, seqs.length, 'each once');
    });
  });
}
