import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { createLogger } from '../../src/logger.ts';
import { openDatabase } from '../../src/store/database.ts';
import { download, file, kind as fileKind, png, uploaded } from '../support/files.ts';
import { applyFutureMigration, fillFutureColumns, futureMigration } from '../support/future-schema.ts';
import { listMessages, openPrivate, send } from '../support/messaging.ts';
import { startServerOn, type TestServer } from '../support/server.ts';
import { okData } from '../support/shapes.ts';
import { scratch, storeKinds, type Scratch } from '../support/stores.ts';
import { registerUser } from '../support/users.ts';

/**
 * A rolling upgrade seen from the node not yet upgraded: a newer build has migrated the shared
 * database (additively), and this build starts on it. It must serve as before and say once that
 * it is the older build. The "newer build" is a synthetic migration applied from outside.
 */
for (const storeKind of storeKinds) {
  describe(`this build on a schema a newer build migrated [${storeKind}]`, () => {
    let dir: Scratch;
    let s: TestServer;
    const lines: string[] = [];

    before(async () => {
      dir = await scratch(storeKind);
      // This build migrates first, as the cluster ran before the upgrade.
      await (await startServerOn(dir, storeKind)).close();
      const database = openDatabase({ url: dir.databaseUrl });
      try {
        await applyFutureMigration(database.db as unknown as Kysely<unknown>, database.dialect);
      } finally {
        await database.close();
      }
      s = await startServerOn(dir, storeKind, {}, { logger: createLogger('info', { write: (line: string) => void lines.push(line) }) });
    });
    after(async () => {
      await s?.close();
      await dir.cleanup();
    });

    it('starts, warning once that the schema is newer and naming the unknown migration', () => {
      const warnings = lines.map((l) => JSON.parse(l)).filter((l) => /schema is newer than this build/.test(l.msg));
      assert.equal(warnings.length, 1, lines.join('\n'));
      assert.equal(warnings[0].level, 'warn');
      assert.deepEqual(warnings[0].unknown, [futureMigration]);
    });

    it('registers, logs in, sends, reads, uploads and downloads as usual, also on rows the newer build filled', async () => {
      const [ann, bob] = [await registerUser(s.api), await registerUser(s.api)];
      const login = okData(await s.api.post('/api/auth/login', { phone: ann.phone, password: ann.password }));
      const token = login.access_token as string;
      const chat = await openPrivate(s, ann, bob);
      const sent = await send(s, { ...ann, token }, chat.id, 'hello from the older build');
      const image = await png(64, 48);
      const f = await uploaded(s, bob, [fileKind('image'), file(image, 'p.png')]);
      await send(s, bob, chat.id, { type: 'image', file_id: f.id });

      await fillFutureColumns(s.core.database.db as unknown as Kysely<unknown>);
      const history = await listMessages(s, bob, chat.id);
      assert.deepEqual(
        history.messages.map((m: { content: string; type: string }) => m.type),
        ['image', 'text'],
      );
      assert.equal(history.messages[1].id, sent.id);
      assert.equal(history.messages[1].content, 'hello from the older build');
      assert.equal(Object.keys(history.messages[1]).some((k) => k.startsWith('future')), false);
      const me = okData(await s.api.get('/api/users/me', { token }));
      assert.equal(me.id, ann.id);
      assert.equal(Object.keys(me).some((k) => k.startsWith('future')), false);
      const got = await download(s, ann, `/api/files/${f.id}`);
      assert.equal(got.status, 200);
      assert.deepEqual(Buffer.from(got.bytes), image);
      const health = await s.api.get('/health');
      assert.equal(health.status, 200);
    });
  });
}
