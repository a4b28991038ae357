/**
 * The child process of {@link RemoteDiscordFake}: runs a DiscordFake on its own event loop (so the bot's load
 * does not delay the fake's answers, nor the fake's work the bot's) and obeys the parent over the IPC channel.
 */
import { DiscordFake } from "../discord-fake.ts";
import { summarize, type ControlMessage, type ControlReply, type ControlRequests, type ReadyMessage, type RemoteFakeOptions } from "./protocol.ts";

type Handlers = { [K in keyof ControlRequests]: (arg: ControlRequests[K][0]) => ControlRequests[K][1] | Promise<ControlRequests[K][1]> };

const options = JSON.parse(process.argv[2] ?? "{}") as RemoteFakeOptions;
const fake = await DiscordFake.start(options);
const send = (message: ControlReply | ReadyMessage) => process.send?.(message);

const handlers: Handlers = {
  addGuild: (opts) => fake.addGuild(opts),
  addChannel: ({ guildId, name }) => fake.addChannel(guildId, name === undefined ? {} : { name }),
  addUser: (opts) => fake.addUser(opts),
  addMember: ({ guildId, userId }) => (fake.addMember(guildId, userId), null),
  sendSlashCommands: (inputs) => inputs.map((input) => ({ interaction: fake.sendSlashCommand(input), sentAt: Date.now() })),
  calls: (from) => fake.calls.slice(from).map(summarize),
  stats: () => ({ calls: fake.calls.length, rateLimited: fake.rateLimitedCount, invalidRequests: fake.invalidRequestCount }),
  stall: ({ method, route }) => (fake.stall({ ...(method ? { method } : {}), ...(route ? { route: new RegExp(route) } : {}) }), null),
  releaseStalls: () => (fake.releaseStalls(), null),
  stop: async () => {
    await fake.stop();
    setImmediate(() => process.exit(0));
    return null;
  },
};

process.on("message", (message: ControlMessage) => {
  void (async () => {
    try {
      const handler = handlers[message.name] as (arg: unknown) => unknown;
      send({ id: message.id, ok: true, value: await handler(message.arg) });
    } catch (error) {
      send({ id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  })();
});
// The parent gone (a crashed test run) ends the child too.
process.on("disconnect", () => process.exit(0));
send({ ready: true, apiUrl: fake.apiUrl, token: fake.token, applicationId: fake.applicationId, botUserId: fake.botUser.id });
