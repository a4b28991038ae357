import {
  ChannelType,
  InteractionContextType,
  PermissionFlagsBits,
  SlashCommandBuilder,
  type SlashCommandSubcommandBuilder,
} from "discord.js";
import { MAX_BLOCKED_WORD_LENGTH, MAX_BLOCKED_WORDS, ROLE_QUOTA_RANGE } from "../../services/policy/index.ts";
import { formatCount } from "../../services/policy/format-count.ts";
import { addSetOptions } from "./set-options.ts";

/** Channels where people type commands; a thread counts as its parent, so threads are not offered. */
const CHANNEL_TYPES = [
  ChannelType.GuildText,
  ChannelType.GuildAnnouncement,
  ChannelType.GuildVoice,
  ChannelType.GuildStageVoice,
  ChannelType.GuildForum,
  ChannelType.GuildMedia,
] as const;

const channel = (sub: SlashCommandSubcommandBuilder, what: string) =>
  sub.addChannelOption((o) => o.setName("channel").setDescription(what).addChannelTypes(...CHANNEL_TYPES).setRequired(true));
const role = (sub: SlashCommandSubcommandBuilder, what: string) =>
  sub.addRoleOption((o) => o.setName("role").setDescription(what).setRequired(true));
const user = (sub: SlashCommandSubcommandBuilder) =>
  sub.addUserOption((o) => o.setName("user").setDescription("The member").setRequired(true));
const words = (sub: SlashCommandSubcommandBuilder, what: string) =>
  // Room for a comma-separated list of a few long entries; the validator checks each entry's length.
  sub.addStringOption((o) => o.setName("words").setDescription(what).setRequired(true).setMaxLength(MAX_BLOCKED_WORD_LENGTH * 8));

/**
 * `/limits`: hidden from members without Manage Server by default (servers may re-grant it, so changes are
 * checked again at run time), server-only.
 */
export const LIMITS_COMMAND_DATA = new SlashCommandBuilder()
  .setName("limits")
  .setDescription("Show or change this server's image limits")
  .setContexts(InteractionContextType.Guild)
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
  .addSubcommand((s) => s.setName("show").setDescription("Show every limit of this server"))
  .addSubcommand((s) => addSetOptions(s.setName("set").setDescription("Change limits: only the options you give change")))
  .addSubcommand((s) => s.setName("reset").setDescription("Put every limit back to its default (role quotas are kept)"))
  .addSubcommandGroup((g) =>
    g
      .setName("channels")
      .setDescription("Where images may be requested (none listed = every channel)")
      .addSubcommand((s) => channel(s.setName("add").setDescription("Allow images in a channel"), "The channel to allow"))
      .addSubcommand((s) => channel(s.setName("remove").setDescription("Stop allowing a channel"), "The channel to remove"))
      .addSubcommand((s) => s.setName("clear").setDescription("Allow images in every channel")),
  )
  .addSubcommandGroup((g) =>
    g
      .setName("blocked-words")
      .setDescription(`Words refused in prompts (whole words, any case; at most ${MAX_BLOCKED_WORDS})`)
      .addSubcommand((s) => words(s.setName("add").setDescription("Block words or phrases"), "Words or phrases, separated by commas"))
      .addSubcommand((s) => words(s.setName("remove").setDescription("Unblock words or phrases"), "Words or phrases, separated by commas"))
      .addSubcommand((s) => s.setName("clear").setDescription("Unblock every word")),
  )
  .addSubcommandGroup((g) =>
    g
      .setName("role-quota")
      .setDescription("Daily image quotas per role (the most generous of a member's roles wins)")
      .addSubcommand((s) =>
        role(s.setName("set").setDescription("Give a role its own daily quota"), "The role").addStringOption((o) =>
          o.setName("limit").setDescription(`Images per day (${ROLE_QUOTA_RANGE.min} to ${formatCount(ROLE_QUOTA_RANGE.max)}) or "unlimited"`).setRequired(true).setMaxLength(20),
        ),
      )
      .addSubcommand((s) => role(s.setName("clear").setDescription("Remove a role's own quota"), "The role")),
  )
  .addSubcommandGroup((g) =>
    g
      .setName("managers")
      .setDescription("Roles whose members may change limits, besides Manage Server")
      .addSubcommand((s) => role(s.setName("add").setDescription("Let a role change the limits"), "The role"))
      .addSubcommand((s) => role(s.setName("remove").setDescription("Stop a role from changing the limits"), "The role")),
  )
  .addSubcommandGroup((g) =>
    g
      .setName("user")
      .setDescription("Block, unblock or forgive one member")
      .addSubcommand((s) =>
        user(s.setName("block").setDescription("Stop a member from requesting images")).addStringOption((o) =>
          o.setName("reason").setDescription("Shown to the member when they try").setMaxLength(200),
        ),
      )
      .addSubcommand((s) => user(s.setName("unblock").setDescription("Let a blocked member request images again")))
      .addSubcommand((s) => user(s.setName("reset-usage").setDescription("Forgive the images a member requested today"))),
  )
  .toJSON();
