/**
 * The Hugging Face Hub calls a download needs, through the official client (@huggingface/hub), with its errors turned
 * into messages that name the host and say what to do. The library reads neither HF_ENDPOINT nor HF_TOKEN: both come
 * in as `HubConnection`.
 */
import { downloadFile, HubApiError, listFiles, modelInfo, type ListFileEntry } from "@huggingface/hub";
import { HubAccessError, HubNotFoundError, HubUnreachableError, ModelError } from "./errors.ts";

export interface HubConnection {
  /** Base URL of the hub without a trailing slash (HF_ENDPOINT). */
  hubUrl: string;
  /** HF_TOKEN, for gated or private repositories. Never logged. */
  accessToken?: string;
}

/** One file of a repository at a commit, as the tree listing gives it. */
export interface RepoFile {
  path: string;
  size: number;
  /** sha256 of the content, for files stored with LFS (or Xet). */
  sha256?: string;
  /** The git blob id (sha1 of "blob <size>\0" + content), for files stored in git itself. */
  gitOid?: string;
}

/** The commit sha a revision (branch, tag or sha) points at now. */
export async function resolveCommit(repo: string, revision: string, hub: HubConnection): Promise<string> {
  try {
    const info = await modelInfo({ name: repo, revision, hubUrl: hub.hubUrl, accessToken: hub.accessToken, additionalFields: ["sha"] });
    if (typeof info.sha !== "string" || !/^[0-9a-f]{40}$/.test(info.sha)) {
      throw new ModelError(`The hub at ${hub.hubUrl} did not give a commit sha for ${repo}@${revision}.`);
    }
    return info.sha;
  } catch (error) {
    throw hubError(error, hub, `${repo}@${revision}`);
  }
}

/** Every file of the repository at `commit`, with its LFS sha256 or git blob id (all pages of the listing). */
export async function listRepoFiles(repo: string, commit: string, hub: HubConnection): Promise<RepoFile[]> {
  const files: RepoFile[] = [];
  try {
    for await (const entry of listFiles({ repo, revision: commit, recursive: true, expand: true, hubUrl: hub.hubUrl, accessToken: hub.accessToken })) {
      if (entry.type === "file") files.push(toRepoFile(entry));
    }
  } catch (error) {
    throw hubError(error, hub, `${repo}@${commit}`);
  }
  return files;
}

/**
 * What a listing entry tells us to verify a file with: the LFS sha256 when there is one, else the git blob id. A
 * Xet-stored file listed without an LFS pointer has neither (its `oid` is not a hash of its content): only its size
 * can be checked, and its sha256 is computed on arrival for `models verify`.
 */
export function toRepoFile(entry: ListFileEntry): RepoFile {
  if (entry.lfs) return { path: entry.path, size: entry.lfs.size, sha256: entry.lfs.oid };
  if (entry.xetHash) return { path: entry.path, size: entry.size };
  return { path: entry.path, size: entry.size, gitOid: entry.oid };
}

/**
 * A lazily-fetched Blob of one file: `blob.slice(offset).stream()` asks for `Range: bytes=offset-` and follows the
 * hub's redirect to its CDN (or the Xet storage, which the library handles).
 */
export async function openRepoFile(repo: string, commit: string, path: string, hub: HubConnection): Promise<Blob> {
  try {
    const blob = await downloadFile({ repo, revision: commit, path, hubUrl: hub.hubUrl, accessToken: hub.accessToken });
    if (!blob) throw new HubNotFoundError(`${path} is listed in ${repo}@${commit} but the hub at ${hub.hubUrl} does not serve it.`);
    return blob;
  } catch (error) {
    throw hubError(error, hub, `${repo}/${path}@${commit}`);
  }
}

/** Turns what fetch or the library threw into a ModelError that names the host and the next step. */
export function hubError(error: unknown, hub: HubConnection, what: string): Error {
  if (error instanceof ModelError) return error;
  if (error instanceof HubApiError) {
    if (error.statusCode === 401 || error.statusCode === 403) {
      const token = hub.accessToken ? "the HF_TOKEN given was refused or its account has not been granted access" : "HF_TOKEN is not set";
      return new HubAccessError(
        `The hub at ${hub.hubUrl} refused ${what} (HTTP ${error.statusCode}): the repository is gated or private, or does not exist, and ${token}. ` +
          `Accept its terms on the repository's page and set HF_TOKEN to a read token of that account.`,
      );
    }
    if (error.statusCode === 404) {
      return new HubNotFoundError(`${what} was not found on ${hub.hubUrl} (HTTP 404): check the repository name and revision.`);
    }
    return new ModelError(`The hub at ${hub.hubUrl} answered HTTP ${error.statusCode} for ${what}; try again later.`);
  }
  const reason = networkFailure(error);
  if (reason !== undefined) return new HubUnreachableError(hub.hubUrl, reason);
  return error instanceof Error ? error : new Error(String(error));
}

/** The network reason (`ECONNREFUSED`, `ENOTFOUND`, …) when `error` is fetch's "fetch failed", else undefined. */
function networkFailure(error: unknown): string | undefined {
  if (!(error instanceof TypeError) || error.message !== "fetch failed") return undefined;
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (typeof cause?.code === "string") return cause.code;
  return typeof cause?.message === "string" ? cause.message : "no answer";
}
