import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { databaseEngine } from "../../src/db/database-url.ts";

test("DATABASE_URL picks the engine: postgresql:// or postgres:// is PostgreSQL, anything else a SQLite file", () => {
  assert.equal(databaseEngine("postgresql://bot:secret@db.internal:5432/reroll"), "postgres");
  assert.equal(databaseEngine("postgres://db/reroll"), "postgres");
  assert.equal(databaseEngine("file:./data/reroll.db"), "sqlite");
  assert.equal(databaseEngine("/srv/reroll/reroll.db"), "sqlite");
});

test("the configuration takes a SQLite or PostgreSQL URL, SQLite by default, and names the accepted forms otherwise", () => {
  assert.equal(loadConfig({}).databaseUrl, "file:./data/reroll.db");
  assert.equal(loadConfig({ DATABASE_URL: "postgresql://bot@127.0.0.1:5432/reroll" }).databaseUrl, "postgresql://bot@127.0.0.1:5432/reroll");
  assert.throws(
    () => loadConfig({ DATABASE_URL: "mysql://db/reroll" }),
    (error: Error) => error instanceof ConfigError && /DATABASE_URL.*file:.*postgresql:\/\//.test(error.message),
  );
});
