/** The permission bits the fake checks or hands out (Discord's values, see discord-api-types `PermissionFlagsBits`). */
export const Permission = {
  Administrator: 1n << 3n,
  AddReactions: 1n << 6n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  ManageMessages: 1n << 13n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  UseExternalEmojis: 1n << 18n,
  UseApplicationCommands: 1n << 31n,
  SendMessagesInThreads: 1n << 38n,
} as const;

/** Every permission bit Discord defines today (bits 0–50), used for "all" and for deny masks. */
export const ALL_PERMISSIONS = (1n << 51n) - 1n;

/**
 * What a freshly invited bot may do unless a test says otherwise: read, write, embed, attach, react,
 * but not Manage Messages (so removing other users' reactions fails with 50013, as it would on a real server).
 */
export const DEFAULT_BOT_PERMISSIONS =
  Permission.ViewChannel |
  Permission.SendMessages |
  Permission.EmbedLinks |
  Permission.AttachFiles |
  Permission.ReadMessageHistory |
  Permission.AddReactions |
  Permission.UseExternalEmojis |
  Permission.UseApplicationCommands |
  Permission.SendMessagesInThreads;

/** What an ordinary member may do: the same as the bot's defaults (a typical @everyone in a small server). */
export const DEFAULT_MEMBER_PERMISSIONS = DEFAULT_BOT_PERMISSIONS;

/** Administrator implies every permission, as Discord computes it. */
export function expandAdministrator(permissions: bigint): bigint {
  return (permissions & Permission.Administrator) !== 0n ? ALL_PERMISSIONS : permissions;
}

/** True when `granted` holds every bit of `required`. */
export function hasPermissions(granted: bigint, required: bigint): boolean {
  return (expandAdministrator(granted) & required) === required;
}
