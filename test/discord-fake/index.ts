export { DiscordFake, type DiscordFakeOptions } from "./discord-fake.ts";
export type { FaultMatch, FaultOptions, FaultStatus } from "./fault-injection.ts";
export type { MessageCommandInput, SlashCommandInput } from "./interaction-builders.ts";
export { Permission, DEFAULT_BOT_PERMISSIONS } from "./permissions.ts";
export { BUCKETS, GLOBAL_LIMIT, INVALID_REQUEST_BAN_THRESHOLD } from "./rate-limits.ts";
export type {
  FakeChannel,
  FakeCommandOption,
  FakeGuild,
  FakeInteraction,
  FakeInteractionEdit,
  FakeInteractionState,
  FakeMessage,
  MultipartBody,
  MultipartFile,
  RecordedCall,
} from "./types.ts";
