// Modals as Discord checks them (interaction callback type 9 MODAL) and the MODAL_SUBMIT interaction (type 5) a user
// sends back. Shapes from discord-api-types v10: APIModalInteractionResponseCallbackData (classic layout: action
// rows of one text input each) and APIModalSubmission.
import type { APIActionRowComponent, APIModalInteractionResponseCallbackData, APITextInputComponent } from "discord-api-types/v10";

/** Discord's limits on a modal and its text inputs. */
export const MODAL_LIMITS = Object.freeze({ customId: 100, title: 45, rows: 5, label: 45, placeholder: 100, value: 4000, length: 4000 });

type FieldErrors = Record<string, unknown>;

/** The form-body errors Discord answers 50035 with, or null when `data` is a valid modal. */
export function modalErrors(data: unknown): FieldErrors | null {
  const errors: FieldErrors = {};
  const fail = (path: string, code: string, message: string) => (errors[path] = { _errors: [{ code, message }] });
  const modal = (data ?? {}) as Partial<APIModalInteractionResponseCallbackData>;
  checkText(modal.custom_id, "custom_id", 1, MODAL_LIMITS.customId, true, fail);
  checkText(modal.title, "title", 1, MODAL_LIMITS.title, true, fail);
  const rows = modal.components;
  if (!Array.isArray(rows) || rows.length < 1 || rows.length > MODAL_LIMITS.rows) {
    fail("components", "BASE_TYPE_BAD_LENGTH", `Must be between 1 and ${MODAL_LIMITS.rows} in length.`);
    return errors;
  }
  const ids = new Set<string>();
  rows.forEach((row, r) => {
    const actionRow = row as Partial<APIActionRowComponent<APITextInputComponent>>;
    if (actionRow.type !== 1 || !Array.isArray(actionRow.components) || actionRow.components.length !== 1) {
      fail(`components.${r}`, "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "An action row in a modal holds exactly one text input.");
      return;
    }
    const input = actionRow.components[0] as Partial<APITextInputComponent>;
    const at = `components.${r}.components.0`;
    if (input.type !== 4) fail(`${at}.type`, "COMPONENT_TYPE_INVALID", "Modals take text inputs (type 4).");
    if (input.style !== 1 && input.style !== 2) fail(`${at}.style`, "BASE_TYPE_CHOICES", "Value must be one of (1, 2).");
    checkText(input.custom_id, `${at}.custom_id`, 1, MODAL_LIMITS.customId, true, fail);
    if (typeof input.custom_id === "string") {
      if (ids.has(input.custom_id)) fail(`${at}.custom_id`, "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated");
      ids.add(input.custom_id);
    }
    checkText(input.label, `${at}.label`, 1, MODAL_LIMITS.label, true, fail);
    checkText(input.placeholder, `${at}.placeholder`, 0, MODAL_LIMITS.placeholder, false, fail);
    checkText(input.value, `${at}.value`, 0, MODAL_LIMITS.value, false, fail);
    for (const key of ["min_length", "max_length"] as const) {
      const n = input[key];
      if (n !== undefined && (!Number.isInteger(n) || n < (key === "min_length" ? 0 : 1) || n > MODAL_LIMITS.length)) {
        fail(`${at}.${key}`, "NUMBER_TYPE_MAX", `${key} must be between ${key === "min_length" ? 0 : 1} and ${MODAL_LIMITS.length}.`);
      }
    }
  });
  return Object.keys(errors).length > 0 ? errors : null;
}

function checkText(value: unknown, path: string, min: number, max: number, required: boolean, fail: (path: string, code: string, message: string) => void): void {
  if (value === undefined || value === null) {
    if (required) fail(path, "BASE_TYPE_REQUIRED", "This field is required");
    return;
  }
  if (typeof value !== "string") fail(path, "BASE_TYPE_STRING", "Must be a string.");
  else if (value.length < min || value.length > max) fail(path, "BASE_TYPE_BAD_LENGTH", `Must be between ${min} and ${max} in length.`);
}

/** A modal's text inputs by custom id, as the bot opened them. */
export function modalInputs(modal: APIModalInteractionResponseCallbackData): Map<string, APITextInputComponent> {
  const inputs = new Map<string, APITextInputComponent>();
  for (const row of modal.components as Array<APIActionRowComponent<APITextInputComponent>>) {
    const input = row.components[0];
    if (input) inputs.set(input.custom_id, input);
  }
  return inputs;
}

/**
 * What the user submits: every input's value (given in `values`, else the prefilled value, else ""), checked as the
 * Discord client checks before it sends (required inputs filled, lengths within min/max, no unknown ids). Returns the
 * MODAL_SUBMIT `data` (`custom_id` and action rows of `{ type: 4, custom_id, value }`).
 */
export function modalSubmission(modal: APIModalInteractionResponseCallbackData, values: Record<string, string>): Record<string, unknown> {
  const inputs = modalInputs(modal);
  for (const id of Object.keys(values)) if (!inputs.has(id)) throw new Error(`The modal "${modal.custom_id}" has no input "${id}"`);
  const rows = [...inputs.values()].map((input) => {
    const value = values[input.custom_id] ?? input.value ?? "";
    if ((input.required ?? true) && value === "") throw new Error(`The input "${input.custom_id}" is required`);
    if (value !== "" && (value.length < (input.min_length ?? 0) || value.length > (input.max_length ?? MODAL_LIMITS.value))) {
      throw new Error(`The input "${input.custom_id}" must be ${input.min_length ?? 0}–${input.max_length ?? MODAL_LIMITS.value} characters`);
    }
    return { type: 1, components: [{ type: 4, id: 0, custom_id: input.custom_id, value }] };
  });
  return { custom_id: modal.custom_id, components: rows };
}
