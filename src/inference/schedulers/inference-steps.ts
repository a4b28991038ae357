/** diffusers refuses more inference steps than training steps. */
export function checkInferenceSteps(numInferenceSteps: number, trainSteps: number): void {
  if (!Number.isSafeInteger(numInferenceSteps) || numInferenceSteps < 1 || numInferenceSteps > trainSteps) {
    throw new RangeError(`Expected \`numInferenceSteps\` to be an integer between 1 and ${trainSteps} (num_train_timesteps), got \`${numInferenceSteps}\``);
  }
}
