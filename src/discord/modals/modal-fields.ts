import { ActionRowBuilder, TextInputBuilder, TextInputStyle, type ModalSubmitInteraction } from "discord.js";
import type { IntegerRange } from "../../services/policy/limit-ranges.ts";
import { UserFacingError } from "../user-facing-error.ts";

/** What one text input of a modal asks. */
export interface FieldSpec {
  id: string;
  /** At most 45 characters (Discord's limit). */
  label: string;
  value?: string;
  /** @default true */
  required?: boolean;
  /** @default 1000 */
  maxLength?: number;
  /** Several lines (prompts) or one. @default false */
  paragraph?: boolean;
  placeholder?: string;
}

/** A modal row holding one text input, as Discord requires. */
export function fieldRow(spec: FieldSpec): ActionRowBuilder<TextInputBuilder> {
  const input = new TextInputBuilder()
    .setCustomId(spec.id)
    .setLabel(spec.label)
    .setStyle(spec.paragraph ? TextInputStyle.Paragraph : TextInputStyle.Short)
    .setRequired(spec.required ?? true)
    .setMaxLength(spec.maxLength ?? 1000);
  // Discord refuses an empty prefilled value: leave it out instead.
  if (spec.value) input.setValue(spec.value.slice(0, spec.maxLength ?? 1000));
  if (spec.placeholder) input.setPlaceholder(spec.placeholder);
  return new ActionRowBuilder<TextInputBuilder>().addComponents(input);
}

/** A submitted text field, trimmed ("" when left empty or absent). */
export function fieldText(interaction: ModalSubmitInteraction, id: string): string {
  try {
    return interaction.fields.getTextInputValue(id).trim();
  } catch {
    return "";
  }
}

/** A submitted number within `range` (a whole number when `integer`); a UserFacingError names the field and range. */
export function fieldNumber(interaction: ModalSubmitInteraction, id: string, label: string, range: { min: number; max: number }, integer = false): number {
  const text = fieldText(interaction, id);
  const value = Number(text);
  if (text === "" || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < range.min || value > range.max) {
    throw new UserFacingError(`${label} must be ${integer ? "a whole number" : "a number"} from ${range.min} to ${range.max}; got \`${text.slice(0, 30)}\`.`);
  }
  return value;
}

export type { IntegerRange };
