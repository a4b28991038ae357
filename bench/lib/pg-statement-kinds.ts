/**
 * What a statement the fleet sent to PostgreSQL is for, from its text (as src/db writes it, or as Prisma's query
 * compiler renders src/db's calls). The order matters: the first pattern that matches names it.
 */
const KINDS: ReadonlyArray<[kind: string, pattern: RegExp]> = [
  ["BEGIN", /^BEGIN\b/i],
  ["COMMIT", /^COMMIT\b/i],
  ["ROLLBACK", /^ROLLBACK\b/i],
  ["reservation: member's advisory lock", /pg_advisory_xact_lock/],
  ["reservation: member's quota snapshot", /^WITH m AS \(SELECT "blocked"/],
  ["reservation: INSERT the job", /^INSERT INTO "Generation"/],
  ["start: UPDATE status running", /^UPDATE "public"\."Generation" SET "status" = \$1, "startedAt"/],
  ["store: UPDATE status stored", /^UPDATE "public"\."Generation" SET "status" = \$1, "runMs"/],
  ["delivery: UPDATE status done", /^UPDATE "public"\."Generation" SET "status" = \$1, "resultMessageId"/],
  ["status message: UPDATE its id", /^UPDATE "public"\."Generation" SET "statusMessageId"/],
  ["scan for stored results", /^SELECT "public"\."Generation"\."id" FROM "public"\."Generation" WHERE "public"\."Generation"\."status" = \$1 ORDER BY/],
  ["read job(s) by id", /^SELECT "public"\."Generation"\."id", .* FROM "public"\."Generation" WHERE .*"public"\."Generation"\."id" (= \$1|IN \()/],
  ["check: server settings", /FROM "public"\."GuildSettings"/],
  ["check: member state", /FROM "public"\."GuildMember"/],
  ["check: role quotas", /FROM "public"\."RoleQuota"/],
];

/** The kind of statement `text` is (whitespace collapsed), or its first words when none matches. */
export function statementKind(text: string): string {
  for (const [kind, pattern] of KINDS) if (pattern.test(text)) return kind;
  return `other: ${text.slice(0, 60)}`;
}

/** Statement counts (text → n) summed by kind. */
export function byKind(counts: Record<string, number>): Map<string, number> {
  const kinds = new Map<string, number>();
  for (const [text, n] of Object.entries(counts)) {
    const kind = statementKind(text);
    kinds.set(kind, (kinds.get(kind) ?? 0) + n);
  }
  return kinds;
}
