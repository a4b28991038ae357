const integers = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** "10,000": numbers in messages, grouped so that big limits read at a glance. */
export function formatCount(n: number): string {
  return integers.format(n);
}

/** "1 image", "25 images". */
export function plural(n: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${formatCount(n)} ${n === 1 ? noun : pluralNoun}`;
}
