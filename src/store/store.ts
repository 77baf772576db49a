import type { Kysely } from 'kysely';
import type { Dialect } from './dialect.ts';
import { GroupCommit } from './group-commit.ts';
import { indexNewMessages } from './message-search.ts';
import { AdminRepo } from './repos/admin.ts';
import { CallRepo } from './repos/calls.ts';
import { VerificationCodeRepo } from './repos/codes.ts';
import { ContactRepo } from './repos/contacts.ts';
import { ConversationRepo } from './repos/conversations.ts';
import { DepartmentRepo } from './repos/departments.ts';
import { EventRepo } from './repos/events.ts';
import { FileRepo } from './repos/files.ts';
import { FriendRepo } from './repos/friends.ts';
import { IdentityRepo } from './repos/identities.ts';
import { KeyRepo } from './repos/keys.ts';
import { MessageRepo } from './repos/messages.ts';
import { ScheduledMessageRepo } from './repos/scheduled.ts';
import { SessionRepo } from './repos/sessions.ts';
import { SettingsRepo } from './repos/settings.ts';
import { UserRepo } from './repos/users.ts';
import type { Database } from './schema.ts';

/** Told how transactions went (metrics); the store itself keeps no figures. */
export interface StoreMeter {
  /** A transaction ended: how long its caller waited for it, queueing for a group commit included. */
  transaction(seconds: number, committed: boolean): void;
  /** A group commit ended, with this many transactions in it. */
  batch(units: number): void;
}

/**
 * The store: one repository per aggregate over one Kysely handle. Inside `transaction`, the
 * callback receives a Store bound to the transaction, so services use the same repositories in
 * and out of transactions.
 */
export class Store {
  readonly users: UserRepo;
  readonly sessions: SessionRepo;
  readonly codes: VerificationCodeRepo;
  readonly contacts: ContactRepo;
  readonly conversations: ConversationRepo;
  readonly messages: MessageRepo;
  readonly scheduled: ScheduledMessageRepo;
  readonly files: FileRepo;
  readonly events: EventRepo;
  readonly settings: SettingsRepo;
  readonly calls: CallRepo;
  readonly friends: FriendRepo;
  readonly keys: KeyRepo;
  readonly identities: IdentityRepo;
  readonly departments: DepartmentRepo;
  /** Server administration: the admin flag, listings, counts, real deletions. */
  readonly admin: AdminRepo;
  /** SQLite outside a transaction: transactions share commits (see GroupCommit). */
  private readonly groupCommit: GroupCommit | undefined;
  private lastBatch: { trx: Kysely<Database>; store: Store } | undefined;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: Dialect,
    private readonly meter?: StoreMeter,
    /** Told when a commit went through without its search index entries (they follow with the next). */
    onSearchIndexError: (err: unknown) => void = () => undefined,
  ) {
    this.groupCommit =
      dialect === 'sqlite' && !db.isTransaction
        ? new GroupCommit(db, {
            onBatch: meter && ((units) => meter.batch(units)),
            beforeCommit: (trx) => indexNewMessages(trx),
            onBeforeCommitError: onSearchIndexError,
          })
        : undefined;
    this.users = new UserRepo(db);
    this.sessions = new SessionRepo(db);
    this.codes = new VerificationCodeRepo(db);
    this.contacts = new ContactRepo(db);
    this.conversations = new ConversationRepo(db);
    this.messages = new MessageRepo(db, dialect);
    this.scheduled = new ScheduledMessageRepo(db, dialect);
    this.files = new FileRepo(db);
    this.events = new EventRepo(db, dialect);
    this.settings = new SettingsRepo(db);
    this.calls = new CallRepo(db, dialect);
    this.friends = new FriendRepo(db);
    this.keys = new KeyRepo(db);
    this.identities = new IdentityRepo(db);
    this.departments = new DepartmentRepo(db, dialect);
    this.admin = new AdminRepo(db, dialect);
  }

  get inTransaction(): boolean {
    return this.db.isTransaction;
  }

  /** The transactions of one group commit share a Kysely transaction, and so one Store. */
  private batchStore(trx: Kysely<Database>): Store {
    if (this.lastBatch?.trx !== trx) this.lastBatch = { trx, store: new Store(trx, this.dialect) };
    return this.lastBatch.store;
  }

  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return fn(this);
    const meter = this.meter;
    if (!meter) return this.begin(fn);
    const start = performance.now();
    return this.begin(fn).then(
      (value) => {
        meter.transaction((performance.now() - start) / 1000, true);
        return value;
      },
      (err: unknown) => {
        meter.transaction((performance.now() - start) / 1000, false);
        throw err;
      },
    );
  }

  private begin<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.groupCommit) return this.groupCommit.run((trx) => fn(this.batchStore(trx)));
    return this.db.transaction().execute((trx) => fn(new Store(trx, this.dialect)));
  }
}
