import type { Kysely, Selectable } from 'kysely';
import type { FileKind, StoredFile } from '../../domain/types.ts';
import type { Database, FilesTable } from '../schema.ts';

/** A file row with where its bytes live; storage keys never leave the core. */
export interface FileRecord {
  file: StoredFile;
  storageKey: string;
  thumbnailKey: string | null;
  deletedAt: number | null;
  /** The user the file was uploaded for, who may download it like its owner. */
  recipientId: number | null;
  /** Anyone may download it without a token (an avatar). */
  isPublic: boolean;
}

function toRecord(row: Selectable<FilesTable>): FileRecord {
  return {
    file: {
      id: row.id,
      ownerId: row.owner_id,
      name: row.name,
      mime: row.mime,
      size: Number(row.size),
      kind: row.kind as FileKind,
      width: row.width,
      height: row.height,
      duration: row.duration,
      hasThumbnail: row.thumbnail_key !== null,
      sha256: row.sha256,
      createdAt: row.created_at,
    },
    storageKey: row.storage_key,
    thumbnailKey: row.thumbnail_key,
    deletedAt: row.deleted_at,
    recipientId: row.recipient_id,
    isPublic: row.is_public === 1,
  };
}

export class FileRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(f: Omit<StoredFile, 'hasThumbnail'> & { storageKey: string; thumbnailKey: string | null }): Promise<FileRecord> {
    const row = await this.db
      .insertInto('files')
      .values({
        id: f.id,
        owner_id: f.ownerId,
        name: f.name,
        mime: f.mime,
        size: f.size,
        kind: f.kind,
        width: f.width,
        height: f.height,
        duration: f.duration,
        storage_key: f.storageKey,
        thumbnail_key: f.thumbnailKey,
        sha256: f.sha256,
        created_at: f.createdAt,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRecord(row);
  }

  /** A file that has not been deleted. */
  async byId(id: string): Promise<FileRecord | undefined> {
    const row = await this.db.selectFrom('files').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    return row && toRecord(row);
  }

  async setRecipient(id: string, userId: number): Promise<void> {
    await this.db.updateTable('files').set({ recipient_id: userId }).where('id', '=', id).execute();
  }

  async makePublic(id: string): Promise<void> {
    await this.db.updateTable('files').set({ is_public: 1 }).where('id', '=', id).execute();
  }

  async markDeleted(id: string, at: number): Promise<boolean> {
    const r = await this.db.updateTable('files').set({ deleted_at: at }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** True when a live message carrying the file sits in a conversation the user belongs to. */
  async sharedWith(fileId: string, userId: number, now: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('messages as m')
      .innerJoin('conversation_members as cm', (j) => j.onRef('cm.conversation_id', '=', 'm.conversation_id').on('cm.user_id', '=', userId))
      .select('m.id')
      .where('m.file_id', '=', fileId)
      .where('m.deleted_at', 'is', null)
      .where((eb) => eb.or([eb('m.expires_at', 'is', null), eb('m.expires_at', '>', now)]))
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }
}
