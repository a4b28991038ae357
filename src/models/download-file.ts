/**
 * One verified, resumable file download. Bytes go to `<target>.partial`; an interrupted download leaves that file,
 * and the next attempt asks only for the rest (`Range: bytes=<size>-`). When all bytes are there they are checked
 * against the listing (sha256 for LFS files, the git blob id otherwise) and only then renamed to `target`; a file
 * that fails the check is deleted, so a corrupt file never sits under its final name or poisons the next resume.
 */
import { createHash, type Hash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { once } from "node:events";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { ChecksumMismatchError, DownloadInterruptedError, ModelError } from "./errors.ts";
import { gitBlobHasher, hashFileInto } from "./file-hash.ts";

/** Suffix of a file still being downloaded. */
export const PARTIAL_SUFFIX = ".partial";

export interface ExpectedContent {
  size: number;
  /** LFS sha256 (hex). */
  sha256?: string;
  /** git blob sha1 (hex), for files stored in git. */
  gitOid?: string;
}

export interface DownloadFileOptions {
  /** Where the verified file ends up. */
  target: string;
  expected: ExpectedContent;
  /** Opens the file's bytes from `offset` to the end. */
  open(offset: number): Promise<ReadableStream<Uint8Array>>;
  /** Called with the number of new bytes as they arrive (bytes already on disk are reported once, with `resumed`). */
  onBytes?(bytes: number, resumed: boolean): void;
  /** A label for messages (the path in the repository). @default target */
  label?: string;
}

/** Downloads, verifies and renames into place. Resolves with the file's sha256. */
export async function downloadVerifiedFile(options: DownloadFileOptions): Promise<string> {
  const { target, expected } = options;
  const label = options.label ?? target;
  const partial = `${target}${PARTIAL_SUFFIX}`;
  let offset = await fileSize(partial);
  if (offset > expected.size) {
    await rm(partial, { force: true });
    offset = 0;
  }
  const sha256 = createHash("sha256");
  const hashes: Hash[] = [sha256];
  const git = expected.gitOid ? gitBlobHasher(expected.size) : undefined;
  if (git) hashes.push(git);
  if (offset > 0) {
    await hashFileInto(partial, hashes, offset);
    options.onBytes?.(offset, true);
  }
  if (offset < expected.size) await appendFrom(options, partial, offset, hashes, label);

  const size = await fileSize(partial);
  const digest = sha256.digest("hex");
  const failure =
    size !== expected.size
      ? ([`${expected.size} bytes`, `${size} bytes`] as const)
      : expected.sha256 && digest !== expected.sha256
        ? ([`sha256 ${expected.sha256}`, `sha256 ${digest}`] as const)
        : git && expected.gitOid && git.digest("hex") !== expected.gitOid
          ? ([`git blob ${expected.gitOid}`, "another blob id"] as const)
          : undefined;
  if (failure) {
    await rm(partial, { force: true });
    throw new ChecksumMismatchError(label, failure[0], failure[1]);
  }
  await rename(partial, target);
  return digest;
}

/**
 * Appends the bytes from `offset` to the partial file. Every byte received is written before this returns, also when
 * the connection drops (the file stream is ended, not destroyed), so the next attempt resumes exactly there.
 */
async function appendFrom(options: DownloadFileOptions, partial: string, offset: number, hashes: readonly Hash[], label: string): Promise<void> {
  const out = createWriteStream(partial, { flags: offset > 0 ? "a" : "w" });
  let failure: unknown;
  try {
    const body = Readable.fromWeb((await options.open(offset)) as WebReadableStream<Uint8Array>);
    for await (const chunk of body) {
      const bytes = chunk as Buffer;
      for (const hash of hashes) hash.update(bytes);
      options.onBytes?.(bytes.length, false);
      if (!out.write(bytes)) await once(out, "drain");
    }
  } catch (error) {
    failure = error;
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  if (failure === undefined) return;
  if (failure instanceof ModelError) throw failure;
  const reason = failure instanceof Error ? failure.message : String(failure);
  throw new DownloadInterruptedError(`The download of ${label} was interrupted (${reason}); it resumes where it stopped on the next attempt.`, { cause: failure });
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw error;
  }
}
