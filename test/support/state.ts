import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '../../src/store/schema.ts';
import type { TestServer } from './server.ts';

/** Tables whose rows are what a user owns or sees; sessions, codes and settings move on their own. */
const stateTables = [
  'users',
  'contacts',
  'friend_requests',
  'conversations',
  'conversation_members',
  'departed_reads',
  'messages',
  'scheduled_messages',
  'message_edits',
  'message_hidden',
  'message_receipts',
  'files',
  'calls',
  'public_keys',
  'departments',
  'events',
] as const satisfies readonly (keyof Database)[];

async function storedFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
}

/**
 * Everything a request could change, as one comparable value: the rows of every state table
 * (users' last-seen and last-connected times aside: presence moves them) and the files on disk.
 */
export async function stateOf(s: TestServer): Promise<string> {
  const db = s.core.store.db;
  const tables: Record<string, unknown> = {};
  for (const table of stateTables) {
    const rows = await db.selectFrom(table).selectAll().execute();
    tables[table] = table === 'users' ? rows.map((r) => ({ ...r, last_seen_at: null, last_connected_at: null })) : rows;
  }
  return JSON.stringify({ tables, files: await storedFiles(path.join(s.core.config.dataDir, 'files')) });
}
