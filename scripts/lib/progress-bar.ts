/** A one-line terminal progress bar: `[████████░░░░░░░░] 8/16 steps  1.2 s/it`. Redraws in place on a TTY. */
export function renderProgressBar(step: number, total: number, elapsedMs: number, width = 24): string {
  const ratio = total > 0 ? Math.min(1, step / total) : 0;
  const filled = Math.round(ratio * width);
  const perStep = step > 0 ? elapsedMs / step / 1000 : 0;
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${step}/${total} steps  ${perStep.toFixed(2)} s/it`;
}

export function writeProgress(stream: NodeJS.WriteStream, line: string, done: boolean): void {
  if (stream.isTTY) stream.write(`\r${line}${done ? "\n" : ""}`);
  else if (done) stream.write(`${line}\n`);
}
