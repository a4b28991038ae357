import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { PROJECT_ROOT } from "../../src/db/database-url.ts";

const SQLITE_SCHEMA = join(PROJECT_ROOT, "prisma/schema.prisma");
const POSTGRES_SCHEMA = join(PROJECT_ROOT, "prisma/postgres/schema.prisma");

/**
 * Each model of a schema file as its normalized lines (field, type, attributes: defaults, relations, ids,
 * indexes), comments and alignment removed, so only a difference in meaning shows.
 */
function models(path: string): Map<string, string[]> {
  const text = readFileSync(path, "utf8");
  const found = new Map<string, string[]>();
  for (const match of text.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    const [, name = "", body = ""] = match;
    const lines = body
      .split("\n")
      .map((line) => line.replace(/\/\/.*$/, "").trim().replace(/\s+/g, " "))
      .filter((line) => line !== "");
    found.set(name, lines);
  }
  return found;
}

/** The block `kind name { … }` (generator or datasource) as key → value. */
function block(path: string, kind: string): Record<string, string> {
  const body = new RegExp(`^${kind}\\s+\\w+\\s*\\{([\\s\\S]*?)^\\}`, "m").exec(readFileSync(path, "utf8"))?.[1] ?? "";
  const entries = body
    .split("\n")
    .map((line) => line.replace(/\/\/.*$/, "").trim())
    .filter((line) => line.includes("="))
    .map((line) => line.split(/\s*=\s*/, 2) as [string, string]);
  return Object.fromEntries(entries);
}

test("the SQLite and PostgreSQL schemas declare the same models, field for field", () => {
  const sqlite = models(SQLITE_SCHEMA);
  const postgres = models(POSTGRES_SCHEMA);
  assert.ok(sqlite.size >= 4, "the parser found the SQLite models");
  assert.deepEqual([...postgres.keys()].sort(), [...sqlite.keys()].sort());
  for (const [name, fields] of sqlite) assert.deepEqual(postgres.get(name), fields, `model ${name}`);
});

test("the schemas differ only in their provider and the generated client's folder", () => {
  assert.equal(block(SQLITE_SCHEMA, "datasource").provider, '"sqlite"');
  assert.equal(block(POSTGRES_SCHEMA, "datasource").provider, '"postgresql"');
  const { output, ...postgresGenerator } = block(POSTGRES_SCHEMA, "generator");
  assert.ok(output?.includes("node_modules/"), "the PostgreSQL client is generated into node_modules, not committed");
  assert.deepEqual(postgresGenerator, block(SQLITE_SCHEMA, "generator"));
});
