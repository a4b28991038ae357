import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { AttachmentError, downloadAttachment, type AttachmentDownloadOptions } from "../../src/services/attachment-download.ts";
import { startMisbehavingServer, type MisbehavingServer } from "../helpers/misbehaving-server.ts";

// A garbage collection on demand, without starting node with --expose-gc.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const body = Buffer.alloc(2000, 7);
let server: MisbehavingServer;
before(async () => {
  server = await startMisbehavingServer(body);
});
after(() => server.close());

function options(overrides: Partial<AttachmentDownloadOptions> = {}): AttachmentDownloadOptions {
  return { allowedHosts: ["127.0.0.1"], allowHttpFor: ["127.0.0.1"], maxBytes: 10_000, timeoutMs: 400, ...overrides };
}

/** Asserts that `promise` fails with an AttachmentError of `code` whose message matches `message`. */
async function rejectsWith(promise: Promise<unknown>, code: AttachmentError["code"], message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AttachmentError, `expected an AttachmentError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

describe("downloadAttachment", () => {
  test("returns the whole file", async () => {
    assert.deepEqual(await downloadAttachment(`${server.origin}/whole`, options()), body);
  });

  test("refuses a file that passes the cap while streaming", async () => {
    await rejectsWith(downloadAttachment(`${server.origin}/whole`, options({ maxBytes: 1000 })), "too-large", /over the 1000 bytes limit/);
  });

  test("says so when the CDN answers with an error", async () => {
    await rejectsWith(downloadAttachment(`${server.origin}/missing`, options()), "download-failed", /HTTP 404/);
  });

  test("gives up on a server that never answers", { timeout: 20_000 }, async () => {
    await rejectsWith(downloadAttachment(`${server.origin}/stall`, options()), "timeout", /took too long/);
  });

  test("gives up on a body that trickles in, even after garbage collections", { timeout: 20_000 }, async () => {
    let settled = false;
    const download = downloadAttachment(`${server.origin}/trickle`, options());
    const done = download.then(
      () => (settled = true),
      () => (settled = true),
    );
    // Collect garbage while the body trickles in: a deadline held only weakly is collected and never fires.
    while (!settled) {
      await Promise.race([server.nextTrickle(), done]);
      gc();
    }
    await rejectsWith(download, "timeout", /took too long/);
    assert.ok(server.trickled() < body.length, "the deadline ended the download, not the end of the body");
  });

  test("says the download was interrupted when the connection drops halfway", async () => {
    await rejectsWith(downloadAttachment(`${server.origin}/cut`, options()), "interrupted", /interrupted.*[Tt]ry again/);
    await rejectsWith(downloadAttachment(`${server.origin}/cut-chunked`, options()), "interrupted", /interrupted.*[Tt]ry again/);
  });
});
