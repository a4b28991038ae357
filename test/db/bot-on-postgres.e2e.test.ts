import assert from "node:assert/strict";
import { connect, createServer, type Server, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { refusalOf, sendTxt2Img, startHarness, waitForInteractionResult, waitForOutcome, type Harness } from "../bot/harness.ts";
import { createTestDatabase, POSTGRES_ADMIN_URL, postgresReachable, postgresWhere } from "./postgres-test-db.ts";

const skip = (await postgresReachable()) ? false : `PostgreSQL not reachable at ${postgresWhere()}`;

/** A TCP relay to PostgreSQL that can cut every connection and refuse new ones: the network to the database failing. */
class DatabaseLink {
  private readonly sockets = new Set<Socket>();
  private up = true;
  private constructor(readonly server: Server, readonly port: number) {}

  static async open(target: URL): Promise<DatabaseLink> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("expected a TCP address");
    const link = new DatabaseLink(server, address.port);
    server.on("connection", (client) => link.relay(client, target));
    return link;
  }

  private relay(client: Socket, target: URL): void {
    if (!this.up) return void client.destroy();
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  }

  /** Cuts every open connection; new ones are dropped as soon as they open. */
  cut(): void {
    this.up = false;
    for (const socket of this.sockets) socket.destroy();
  }

  restore(): void {
    this.up = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe("the bot on PostgreSQL", { skip }, () => {
  let h: Harness;
  let link: DatabaseLink;
  let database: { url: string; drop(): Promise<void> };
  before(async () => {
    database = await createTestDatabase();
    link = await DatabaseLink.open(new URL(POSTGRES_ADMIN_URL));
    const url = new URL(database.url);
    url.hostname = "127.0.0.1";
    url.port = String(link.port);
    // The bot migrates the empty database at start-up, through the relay, like any other.
    h = await startHarness({ env: { DATABASE_URL: url.toString() } });
    await h.setLimits({ cooldownSeconds: 0, dailyImagesPerUser: 5 });
  });
  after(async () => {
    await h.stop();
    await link.close();
    await database.drop();
  });

  test("generates, then answers 'try again' while the database is cut off, then works again once it is back", async () => {
    const [alice, bob] = h.users.map((user) => user.id) as [string, string];
    await waitForInteractionResult(h, sendTxt2Img(h, { userId: alice, prompt: "a lighthouse" }));
    const done = await h.bot.ctx.db.prisma.generation.findFirst({ where: { userId: alice } });
    assert.equal(done?.status, "done");
    assert.ok(done?.resultMessageId, "the delivered result is recorded");

    link.cut();
    const refused = refusalOf(await waitForOutcome(h, sendTxt2Img(h, { userId: bob, prompt: "during the outage" })));
    assert.equal(refused, "The bot's database is unreachable right now; nothing was charged. Please try again in a minute.");

    link.restore();
    await waitForInteractionResult(h, sendTxt2Img(h, { userId: bob, prompt: "after the outage" }));
    const bobs = await h.bot.ctx.db.prisma.generation.findMany({ where: { userId: bob } });
    assert.deepEqual(
      bobs.map((g) => [g.prompt, g.status]),
      [["after the outage", "done"]],
      "nothing of the refused request was written",
    );
  });
});
