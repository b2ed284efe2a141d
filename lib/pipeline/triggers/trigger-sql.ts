/**
 * SQL for the triggers that record tenant row changes in tenant_sync_outbox, generated from the source
 * configuration (table and key column), for PostgreSQL and MySQL/MariaDB. Pure: nothing here touches a
 * database; triggers.ts runs it.
 *
 * What every trigger does, in the transaction of the row change (so the change and its outbox row commit or
 * roll back together):
 * - INSERT writes ('insert', new key); DELETE writes ('delete', old key);
 * - UPDATE writes ('update', key), or, when the key itself changed, ('delete', old key) and ('insert', new
 *   key): the old tenant's objects must go and the new one's appear;
 * - a NULL key writes nothing (such a row is not a tenant, see lib/db/source-config.ts), rather than failing
 *   the application's write on the outbox's NOT NULL.
 * Keys are compared as exact text (bytes), not by the column's collation: 'Acme' → 'acme' is a key change,
 * because the tenant's Kubernetes objects are labelled with the key as written.
 *
 * A view-based source (the configured `table` is a view): triggers cannot go on the view. Install them on the
 * underlying table whose key column is the view's key column (installTriggers with that table and column), or,
 * when the view's key is computed from several tables, have the application insert into tenant_sync_outbox in
 * the same transaction as its change. See docs/pipeline.md.
 */
import type { Dialect } from "../../db/dialect.ts";
import { mysqlTriggerSql } from "./trigger-sql-mysql.ts";
import { postgresTriggerSql } from "./trigger-sql-postgres.ts";
import {
  type TriggerConfig,
  type TriggerPlacement,
  type TriggerSql,
  triggerTarget,
} from "./trigger-target.ts";

export function triggerSql(
  dialect: Dialect,
  config: TriggerConfig,
  placement: TriggerPlacement = {},
): TriggerSql {
  const target = triggerTarget(dialect, config, placement);
  return dialect === "postgres" ? postgresTriggerSql(target) : mysqlTriggerSql(target);
}
