// Prisma CLI configuration. The JavaScript schema engine reaches SQLite through the same
// better-sqlite3 driver adapter as the bot, so `prisma migrate deploy` works offline.
import "dotenv/config";
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { defineConfig } from "prisma/config";
import { DEFAULT_DATABASE_URL, databaseFilePath, ensureDatabaseFolder } from "./src/db/database-url.ts";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  engine: "js",
  experimental: { adapter: true },
  async adapter() {
    const path = databaseFilePath(process.env.DATABASE_URL || DEFAULT_DATABASE_URL);
    ensureDatabaseFolder(path);
    return new PrismaBetterSQLite3({ url: path });
  },
});
