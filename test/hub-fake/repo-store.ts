/** The fake hub's repositories: commits of whole file sets, branches, gating, and each file's git and LFS ids. */
import { createHash, randomBytes } from "node:crypto";

/** Extensions the fake stores with LFS, as a typical model repository's .gitattributes does. */
const LFS_EXTENSIONS = /\.(onnx|onnx_data|pb|safetensors|bin|msgpack|ckpt)$/;

export interface StoredFile {
  path: string;
  content: Buffer;
  /** git blob id of the file (or, for LFS files, of its pointer). */
  oid: string;
  lfs?: { oid: string; size: number; pointerSize: number };
}

export interface Commit {
  sha: string;
  files: Map<string, StoredFile>;
}

export interface FakeRepo {
  id: string;
  gated: boolean;
  commits: Map<string, Commit>;
  branches: Map<string, string>;
}

export class RepoStore {
  readonly repos = new Map<string, FakeRepo>();

  /** Pushes `files` as a new commit on `branch` (creating the repository); returns the commit sha. */
  push(id: string, files: Readonly<Record<string, Buffer>>, options: { gated?: boolean; branch?: string } = {}): string {
    const repo = this.repos.get(id) ?? { id, gated: false, commits: new Map(), branches: new Map() };
    if (options.gated !== undefined) repo.gated = options.gated;
    const sha = randomBytes(20).toString("hex");
    const stored = new Map(Object.entries(files).map(([path, content]) => [path, storedFile(path, content)]));
    repo.commits.set(sha, { sha, files: stored });
    repo.branches.set(options.branch ?? "main", sha);
    this.repos.set(id, repo);
    return sha;
  }

  /** The commit a revision (branch or sha) names, or undefined. */
  commit(repo: FakeRepo, revision: string): Commit | undefined {
    return repo.commits.get(repo.branches.get(revision === "HEAD" ? "main" : revision) ?? revision);
  }

  /** The stored file whose LFS sha256 is `sha256`, in any repository (what the CDN serves). */
  blob(sha256: string): StoredFile | undefined {
    for (const repo of this.repos.values()) {
      for (const commit of repo.commits.values()) {
        for (const file of commit.files.values()) if (file.lfs?.oid === sha256) return file;
      }
    }
    return undefined;
  }
}

function storedFile(path: string, content: Buffer): StoredFile {
  const gitOid = (bytes: Buffer) => createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
  if (!LFS_EXTENSIONS.test(path)) return { path, content, oid: gitOid(content) };
  const sha256 = createHash("sha256").update(content).digest("hex");
  const pointer = Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${content.length}\n`);
  return { path, content, oid: gitOid(pointer), lfs: { oid: sha256, size: content.length, pointerSize: pointer.length } };
}
