import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../../lib/db/database.ts";
import { createScratchDatabase, type ScratchDatabase } from "../support/databases.ts";

/**
 * Found by the fault suite: a PostgreSQL restart while a worker or relay held a pooled connection between
 * two queries ended the process with an unhandled 'error' event. pg_terminate_backend sends the same
 * FATAL 57P01 as a fast shutdown. An unhandled error would fail this file.
 */
describe("a PostgreSQL connection lost between two queries", () => {
  let scratch: ScratchDatabase;
  let db: Database;
  let admin: Database;
  beforeAll(async () => {
    scratch = await createScratchDatabase("postgres", "connlost");
    db = openDatabase(scratch.url, { poolSize: 1 });
    admin = openDatabase(scratch.url, { poolSize: 1 });
  });
  afterAll(async () => {
    await db.close();
    await admin.close();
    await scratch.drop();
  });

  const terminate = async (pid: unknown) => {
    await admin.query("SELECT pg_terminate_backend($1)", [pid]);
    // Let the server's FATAL message reach the client while no query runs on it.
    await new Promise((resolve) => setTimeout(resolve, 300));
  };

  it("fails the transaction, not the process, and the pool carries on with a new connection", async () => {
    await expect(
      db.transaction(async (tx) => {
        const { rows } = await tx.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        await terminate(rows[0]?.pid);
        await tx.query("SELECT 1");
      }),
    ).rejects.toThrow();
    expect((await db.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
  });

  it("a session (withSession) fails its next query instead of crashing", async () => {
    await expect(
      db.withSession(async (session) => {
        const { rows } = await session.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        await terminate(rows[0]?.pid);
        await session.query("SELECT 1");
      }),
    ).rejects.toThrow();
  });
});
