/** An error answer in Discord's shape: `{ code, message }` (plus `errors` for form errors) with an HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...(this.errors === undefined ? {} : { errors: this.errors }) };
  }
}

/** The errors the fake answers with, named as in Discord's JSON error code table. */
export const ApiErrors = {
  notFound: () => new ApiError(404, 0, "404: Not Found"),
  unauthorized: () => new ApiError(401, 0, "401: Unauthorized"),
  unknownChannel: () => new ApiError(404, 10003, "Unknown Channel"),
  unknownGuild: () => new ApiError(404, 10004, "Unknown Guild"),
  unknownMember: () => new ApiError(404, 10007, "Unknown Member"),
  unknownMessage: () => new ApiError(404, 10008, "Unknown Message"),
  unknownUser: () => new ApiError(404, 10013, "Unknown User"),
  unknownEmoji: () => new ApiError(400, 10014, "Unknown Emoji"),
  unknownWebhook: () => new ApiError(404, 10015, "Unknown Webhook"),
  unknownApplicationCommand: () => new ApiError(404, 10063, "Unknown application command"),
  unknownInteraction: () => new ApiError(404, 10062, "Unknown interaction"),
  missingAccess: () => new ApiError(403, 50001, "Missing Access"),
  cannotEditOthersMessage: () => new ApiError(403, 50005, "Cannot edit a message authored by another user"),
  emptyMessage: () => new ApiError(400, 50006, "Cannot send an empty message"),
  missingPermissions: () => new ApiError(403, 50013, "Missing Permissions"),
  invalidWebhookToken: () => new ApiError(401, 50027, "Invalid Webhook Token"),
  invalidFormBody: (errors: unknown) => new ApiError(400, 50035, "Invalid Form Body", errors),
  alreadyAcknowledged: () => new ApiError(400, 40060, "Interaction has already been acknowledged."),
  invalidJson: () => new ApiError(400, 50109, "The request body contains invalid JSON."),
  entityTooLarge: () => new ApiError(413, 40005, "Request entity too large"),
};
