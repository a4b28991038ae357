import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** A migration could not be applied, or an earlier one failed and needs a person (as Prisma's P3009). */
export class MigrationError extends Error {
  override name = "MigrationError";
}

export interface Migration {
  name: string;
  script: string;
}

/** The `<name>/migration.sql` files under `dir`, in folder-name order (as `prisma migrate deploy` applies them). */
export function listMigrations(dir: string): Migration[] {
  if (!existsSync(dir)) throw new MigrationError(`No migrations folder at ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => ({ name, script: readFileSync(join(dir, name, "migration.sql"), "utf8") }));
}

/** The message for a migration recorded as started and never finished. */
export function failedEarlierMessage(name: string): string {
  return (
    `Migration "${name}" failed earlier; fix the database, then run ` +
    `\`npx prisma migrate resolve --rolled-back ${name}\` (or --applied) and start again`
  );
}
