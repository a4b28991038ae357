/** Progress lines on stderr, so a long benchmark shows it is alive without mixing into results. */
export function log(message: string): void {
  process.stderr.write(`  ${message}\n`);
}
