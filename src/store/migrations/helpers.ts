import type { CreateTableBuilder } from 'kysely';
import type { Dialect } from '../dialect.ts';

/** Adds an auto-increment 64-bit primary key named `name` in the dialect's native way. */
export function withSerialKey<T extends string>(table: CreateTableBuilder<T, never>, dialect: Dialect, name = 'id') {
  return dialect === 'sqlite'
    ? table.addColumn(name, 'integer', (c) => c.primaryKey().autoIncrement())
    : table.addColumn(name, 'bigint', (c) => c.primaryKey().generatedByDefaultAsIdentity());
}
