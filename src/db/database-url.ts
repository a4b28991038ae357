import { mkdirSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the database lives when DATABASE_URL is not set: `data/reroll.db` under the project root. */
export const DEFAULT_DATABASE_URL = "file:./data/reroll.db";

/** Which database a DATABASE_URL selects. */
export type DatabaseEngine = "sqlite" | "postgres";

/**
 * `postgresql://` or `postgres://` selects PostgreSQL (several machines); anything else is a SQLite file (one
 * machine, the default).
 */
export function databaseEngine(url: string): DatabaseEngine {
  return /^postgres(ql)?:\/\//i.test(url) ? "postgres" : "sqlite";
}

/** The project root (the folder holding package.json), so relative URLs do not depend on the working directory. */
export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Turns a SQLite URL (`file:./data/reroll.db`, `file:/abs/path.db`, a bare path or `:memory:`)
 * into the path better-sqlite3 opens. Relative paths are resolved against the project root.
 *
 * @example databaseFilePath("file:./data/reroll.db") // "/srv/reroll/data/reroll.db"
 */
export function databaseFilePath(url: string): string {
  const path = url.replace(/^file:/, "").replace(/\?.*$/, "");
  if (path === "" ) throw new Error(`Expected a SQLite URL such as "${DEFAULT_DATABASE_URL}", got "${url}"`);
  if (path === ":memory:") return path;
  return isAbsolute(path) ? path : resolve(PROJECT_ROOT, path);
}

/** Creates the folder that will hold the database file (SQLite creates the file, not its folder). */
export function ensureDatabaseFolder(path: string): void {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
}
