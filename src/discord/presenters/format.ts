/** "about 40 s", "about 3 min": ETAs are estimates, so they are rounded and said as such. */
export function formatEta(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return "any moment";
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 90) return `about ${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `about ${minutes} min`;
  return `about ${(minutes / 60).toFixed(1)} h`;
}

/** "12.3 s", "850 ms": measured durations. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** `[████████░░░░░░░░]` for step / total. */
export function progressBar(step: number, total: number, width = 16): string {
  const ratio = total > 0 ? Math.max(0, Math.min(1, step / total)) : 0;
  const filled = Math.round(ratio * width);
  return `\`[${"█".repeat(filled)}${"░".repeat(width - filled)}]\``;
}

/** Cuts text to a Discord field's limit, marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
