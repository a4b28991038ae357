/** A refusal or problem whose message is meant for the user who ran the command (shown ephemerally). */
export class UserFacingError extends Error {
  override readonly name = "UserFacingError";
}
