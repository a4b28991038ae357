import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { withFileLock } from "../../src/models/file-lock.ts";

const dir = await mkdtemp(join(tmpdir(), "reroll-lock-"));
after(() => rm(dir, { recursive: true, force: true }));
const exists = (path: string) => stat(path).then(() => true, () => false);

test("a lock left by a process that is gone is taken over", { timeout: 10_000 }, async () => {
  const child = spawn(process.execPath, ["-e", ""]);
  await once(child, "exit");
  const lock = join(dir, "stale.lock");
  await writeFile(lock, JSON.stringify({ pid: child.pid, host: hostname(), since: new Date().toISOString() }));
  const seen = await withFileLock(lock, async () => JSON.parse(await readFile(lock, "utf8")) as { pid: number });
  assert.equal(seen.pid, process.pid);
  assert.equal(await exists(lock), false);
});

test("a lock held by a live process is waited for, then taken when it is released", { timeout: 10_000 }, async () => {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
  try {
    const lock = join(dir, "live.lock");
    await writeFile(lock, JSON.stringify({ pid: child.pid, host: hostname(), since: new Date().toISOString() }));
    let ran = false;
    let waitingFor: number | undefined;
    let announceWait!: () => void;
    const waited = new Promise<void>((resolve) => (announceWait = resolve));
    const done = withFileLock(lock, async () => {
      ran = true;
    }, { pollMs: 20, onWait: (owner) => ((waitingFor = owner.pid), announceWait()) });
    await waited;
    assert.equal(waitingFor, child.pid);
    assert.equal(ran, false);
    await rm(lock);
    await done;
    assert.equal(ran, true);
  } finally {
    child.kill();
  }
});

