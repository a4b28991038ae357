/**
 * Downloads the pipeline's files of one repository revision into `<MODELS_DIR>/hub/<owner>--<name>/<commit>/`:
 * the revision is pinned to the commit it resolves to (a later push to the repository makes a new folder, never
 * changes this one), every file is verified before it takes its final name, an interrupted download resumes, and a
 * lock file keeps two processes from writing the same folder.
 */
import { mkdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ensureFreeSpace } from "./disk-space.ts";
import { downloadVerifiedFile, PARTIAL_SUFFIX } from "./download-file.ts";
import { withFileLock } from "./file-lock.ts";
import { DownloadInterruptedError } from "./errors.ts";
import { sha256File } from "./file-hash.ts";
import { selectPipelineFiles, type Precision, type SelectedFile } from "./file-selection.ts";
import { listRepoFiles, openRepoFile, resolveCommit, type HubConnection } from "./hub-client.ts";
import { readManifest, writeManifest, type ManifestFile, type ModelManifest } from "./manifest.ts";
import { detectFamily } from "./model-family.ts";

export interface DownloadProgress {
  /** Bytes on disk so far (including those a resume found already there). */
  doneBytes: number;
  totalBytes: number;
  /** Bytes that were already on disk when this run started (not part of the speed). */
  resumedBytes: number;
  /** The file being downloaded (path in the repository). */
  file: string;
}

export interface HubDownloadOptions {
  modelsDir: string;
  repo: string;
  revision: string;
  precision: Precision;
  hub: HubConnection;
  onProgress?(progress: DownloadProgress): void;
  /** Another process holds this model's download lock (`lockFile`); this one waits for it. */
  onLockWait?(ownerPid: number, lockFile: string): void;
  /** Free-space probe (tests). @default statfs of the folder */
  availableSpace?(dir: string): Promise<number>;
  /** Tries per file when the connection drops, each resuming where the last stopped. @default 3 */
  attempts?: number;
}

const COMMIT_SHA = /^[0-9a-f]{40}$/;

/** What to tell the user while another process holds the download lock. */
export function lockWaitMessage(ownerPid: number, lockFile: string): string {
  return `Another process (pid ${ownerPid}) is downloading this model; waiting for it to finish. If no such download is running, delete ${lockFile}.`;
}

/** Where a repository's commit is stored. fp16 downloads get their own folder: their files differ. */
export function hubModelFolder(modelsDir: string, repo: string, commit: string, precision: Precision): string {
  return join(modelsDir, "hub", repo.replace("/", "--"), precision === "fp32" ? commit : `${commit}-${precision}`);
}

/** Downloads (or finds complete) the model and returns its folder and manifest. */
export async function downloadHubModel(options: HubDownloadOptions): Promise<{ dir: string; manifest: ModelManifest }> {
  const { modelsDir, repo, revision, precision, hub } = options;
  // A commit sha already downloaded needs no network at all.
  if (COMMIT_SHA.test(revision)) {
    const dir = hubModelFolder(modelsDir, repo, revision, precision);
    const manifest = await readManifest(dir);
    if (manifest) return { dir, manifest };
  }
  const commit = await resolveCommit(repo, revision, hub);
  const asked = await readManifest(hubModelFolder(modelsDir, repo, commit, precision));
  if (asked) return { dir: hubModelFolder(modelsDir, repo, commit, precision), manifest: asked };
  const selection = selectPipelineFiles(await listRepoFiles(repo, commit, hub), precision, repo);
  // fp16 asked of a repository without fp16 graphs is an fp32 download: share that folder instead of a second copy.
  const effective: Precision = Object.values(selection.precisionByComponent).includes("fp16") ? "fp16" : "fp32";
  const dir = hubModelFolder(modelsDir, repo, commit, effective);
  const done = await readManifest(dir);
  if (done) return { dir, manifest: done };

  await mkdir(dirname(dir), { recursive: true });
  return withFileLock(
    `${dir}.lock`,
    async () => {
      // The process we waited for may have finished it.
      const finished = await readManifest(dir);
      if (finished) return { dir, manifest: finished };
      const { files } = selection;
      for (const folder of new Set(files.map((f) => dirname(join(dir, f.localPath))))) await mkdir(folder, { recursive: true });

      const onDisk = await Promise.all(files.map((file) => bytesOnDisk(dir, file)));
      const totalBytes = files.reduce((sum, f) => sum + f.size, 0);
      await ensureFreeSpace(dir, totalBytes - onDisk.reduce((sum, b) => sum + b.bytes, 0), options.availableSpace);

      const progress: DownloadProgress = { doneBytes: 0, totalBytes, resumedBytes: 0, file: "" };
      const written: ManifestFile[] = [];
      for (const [i, file] of files.entries()) {
        progress.file = file.path;
        const target = join(dir, file.localPath);
        let sha256: string;
        if (onDisk[i]?.complete) {
          // Only verified files ever get their final name; small git files are hashed again for the manifest.
          sha256 = file.sha256 ?? (await sha256File(target));
          progress.doneBytes += file.size;
          progress.resumedBytes += file.size;
          options.onProgress?.({ ...progress });
        } else {
          const before = progress.doneBytes;
          sha256 = await downloadWithRetries(options, commit, file, target, (fileBytes, resumedFromEarlierRun) => {
            progress.doneBytes = before + fileBytes;
            if (resumedFromEarlierRun) progress.resumedBytes += fileBytes;
            options.onProgress?.({ ...progress });
          });
          progress.doneBytes = before + file.size;
        }
        written.push({ path: file.localPath, source: file.path, size: file.size, sha256, lfs: file.sha256 !== undefined });
      }
      const manifest: ModelManifest = {
        repo,
        revision,
        commit,
        hubUrl: hub.hubUrl,
        precision: effective,
        family: await detectFamily(dir),
        downloadedAt: new Date().toISOString(),
        files: written,
      };
      await writeManifest(dir, manifest);
      return { dir, manifest };
    },
    { onWait: (owner) => options.onLockWait?.(owner.pid, `${dir}.lock`) },
  );
}

/** `onFileBytes` gets the file's bytes on disk so far; `resumedFromEarlierRun` marks a partial file found at start. */
async function downloadWithRetries(
  options: HubDownloadOptions,
  commit: string,
  file: SelectedFile,
  target: string,
  onFileBytes: (fileBytes: number, resumedFromEarlierRun: boolean) => void,
): Promise<string> {
  const attempts = options.attempts ?? 3;
  let fileBytes = 0;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await downloadVerifiedFile({
        target,
        label: `${options.repo}/${file.path}`,
        expected: { size: file.size, sha256: file.sha256, gitOid: file.gitOid },
        open: async (offset) => (await openRepoFile(options.repo, commit, file.path, options.hub)).slice(offset).stream(),
        onBytes: (bytes, resumed) => {
          fileBytes = resumed ? bytes : fileBytes + bytes;
          onFileBytes(fileBytes, resumed && attempt === 1);
        },
      });
    } catch (error) {
      if (!(error instanceof DownloadInterruptedError) || attempt >= attempts) throw error;
    }
  }
}

async function bytesOnDisk(dir: string, file: SelectedFile): Promise<{ bytes: number; complete: boolean }> {
  const target = join(dir, file.localPath);
  const final = await sizeOf(target);
  if (final === file.size) return { bytes: final, complete: true };
  return { bytes: Math.min(await sizeOf(`${target}${PARTIAL_SUFFIX}`), file.size), complete: false };
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}
