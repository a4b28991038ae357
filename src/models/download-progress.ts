/** The terminal progress line of a model download: `[████░░░░] 1.21 GB / 5.48 GB  48.2 MB/s  ETA 1m29s`. */
import { formatBytes, formatDuration } from "./byte-format.ts";
import type { DownloadProgress } from "./hub-download.ts";

/**
 * @param elapsedMs time since this run's download started; speed counts only bytes fetched in this run.
 * @param width characters of the bar. @default 24
 */
export function renderDownloadProgress(progress: DownloadProgress, elapsedMs: number, width = 24): string {
  const { doneBytes, totalBytes, resumedBytes } = progress;
  const ratio = totalBytes > 0 ? Math.min(1, doneBytes / totalBytes) : 1;
  const filled = Math.round(ratio * width);
  const speed = elapsedMs > 0 ? ((doneBytes - resumedBytes) / elapsedMs) * 1000 : 0;
  const eta = speed > 0 ? (totalBytes - doneBytes) / speed : Number.POSITIVE_INFINITY;
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${formatBytes(doneBytes)} / ${formatBytes(totalBytes)}  ${formatBytes(speed)}/s  ETA ${formatDuration(eta)}`;
}

/**
 * A progress callback that redraws one line on a TTY (at most every `intervalMs`) and, elsewhere (logs, CI), prints
 * only the final line.
 * @param intervalMs @default 200
 */
export function terminalDownloadProgress(stream: NodeJS.WriteStream = process.stderr, intervalMs = 200): (progress: DownloadProgress) => void {
  const started = performance.now();
  let lastDraw = 0;
  let finished = false;
  return (progress) => {
    if (finished) return;
    const now = performance.now();
    const done = progress.doneBytes >= progress.totalBytes;
    if (!done && now - lastDraw < intervalMs) return;
    lastDraw = now;
    finished = done;
    const line = renderDownloadProgress(progress, now - started);
    if (stream.isTTY) stream.write(`\r${line}${done ? "\n" : ""}`);
    else if (done) stream.write(`${line}\n`);
  };
}
