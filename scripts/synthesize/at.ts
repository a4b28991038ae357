/** `list[index]`, failing loudly instead of giving `undefined` (the synthesizer's layer tables have fixed lengths). */
export function at<T>(list: readonly T[], index: number): T {
  const value = list[index];
  if (value === undefined) throw new RangeError(`Index ${index} is outside a list of ${list.length}`);
  return value;
}
