// Prisma CLI configuration. The JavaScript schema engine reaches the database through the same driver adapter as
// the bot (better-sqlite3, or pg for a postgresql:// DATABASE_URL), so `prisma migrate deploy` works offline.
import "dotenv/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { defineConfig } from "prisma/config";
import { prismaCliPgAdapter } from "./src/db/prisma-cli-pg-adapter.ts";
import { DEFAULT_DATABASE_URL, databaseEngine, databaseFilePath, ensureDatabaseFolder } from "./src/db/database-url.ts";

const url = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
const postgres = databaseEngine(url) === "postgres";

export default defineConfig({
  // Each engine has its own schema (the same models) and its own committed migrations.
  schema: postgres ? "prisma/postgres/schema.prisma" : "prisma/schema.prisma",
  migrations: { path: postgres ? "prisma/postgres/migrations" : "prisma/migrations" },
  engine: "js",
  experimental: { adapter: true },
  async adapter() {
    if (postgres) return prismaCliPgAdapter(url);
    const path = databaseFilePath(url);
    ensureDatabaseFolder(path);
    return new PrismaBetterSQLite3({ url: path });
  },
});
