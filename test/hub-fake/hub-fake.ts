/**
 * A local stand-in for the Hugging Face Hub, speaking the API as @huggingface/hub 2.x calls it:
 *   GET /api/models/{owner}/{name}/revision/{rev}           model info with `sha` (the commit)
 *   GET /api/models/{owner}/{name}/tree/{rev}?recursive&expand  listing with LFS oids, pages linked by `Link: rel="next"`
 *   GET /{owner}/{name}/resolve/{rev}/{path}                 small files directly; LFS files 302 to a second server
 *                                                            (the "CDN") with X-Repo-Commit, X-Linked-Size, X-Linked-Etag
 * The CDN honours Range. Gated repositories answer 401 on resolve without the configured token. Faults: a connection
 * cut after N bytes of one file (once), a corrupted file (its bytes differ from the listed sha256).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { record, sendContent, sendHubError, sendJson, type RecordedRequest } from "./http-helpers.ts";
import { RepoStore, type FakeRepo } from "./repo-store.ts";

export interface HubFakeOptions {
  /** The only token gated repositories accept. @default "hf_fake_token" */
  token?: string;
  /** Tree listing entries per page. @default 1000 */
  pageSize?: number;
}

export class HubFake {
  readonly store = new RepoStore();
  readonly requests: RecordedRequest[] = [];
  readonly token: string;
  private readonly pageSize: number;
  private readonly hub: Server;
  private readonly cdn: Server;
  /** sha256 → bytes to send before dropping the connection (once). */
  private readonly cuts = new Map<string, number>();
  /** sha256s served with a flipped byte. */
  private readonly corrupted = new Set<string>();

  constructor(options: HubFakeOptions = {}) {
    this.token = options.token ?? "hf_fake_token";
    this.pageSize = options.pageSize ?? 1000;
    this.hub = createServer((req, res) => this.handleHub(req, res));
    this.cdn = createServer((req, res) => this.handleCdn(req, res));
  }

  async start(): Promise<this> {
    await Promise.all([listen(this.hub), listen(this.cdn)]);
    return this;
  }

  async close(): Promise<void> {
    for (const server of [this.hub, this.cdn]) server.closeAllConnections();
    await Promise.all([this.hub, this.cdn].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  /** HF_ENDPOINT for the code under test. */
  get hubUrl(): string {
    return `http://127.0.0.1:${(this.hub.address() as AddressInfo).port}`;
  }

  get cdnUrl(): string {
    return `http://127.0.0.1:${(this.cdn.address() as AddressInfo).port}`;
  }

  /** Pushes files as a new commit of `repo` (see RepoStore.push). */
  push(repo: string, files: Readonly<Record<string, Buffer>>, options: { gated?: boolean } = {}): string {
    return this.store.push(repo, files, options);
  }

  /** The next download of `repo`'s `path` (at main) gets `bytes` bytes, then the connection drops. */
  cutOnce(repo: string, path: string, bytes: number): void {
    this.cuts.set(this.lfsOid(repo, path), bytes);
  }

  /** `repo`'s `path` (at main) is served with one byte changed: its sha256 no longer matches the listing. */
  corrupt(repo: string, path: string): void {
    this.corrupted.add(this.lfsOid(repo, path));
  }

  /** Serves `repo`'s `path` correctly again. */
  repair(repo: string, path: string): void {
    this.corrupted.delete(this.lfsOid(repo, path));
  }

  /** The Range headers the CDN got for `repo`'s `path` (the probe `bytes=0-0` excluded). */
  contentRanges(repo: string, path: string): Array<string | undefined> {
    const blobUrl = `/blobs/${this.lfsOid(repo, path)}`;
    return this.requests.filter((r) => r.server === "cdn" && r.url === blobUrl && r.range !== "bytes=0-0").map((r) => r.range);
  }

  private lfsOid(repo: string, path: string): string {
    const found = this.store.repos.get(repo);
    const file = found && this.store.commit(found, "main")?.files.get(path);
    if (!file?.lfs) throw new Error(`${repo}/${path} is not an LFS file of the fake`);
    return file.lfs.oid;
  }

  private handleHub(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push(record(req, "hub"));
    const url = new URL(req.url ?? "/", this.hubUrl);
    const parts = url.pathname.split("/").slice(1).map(decodeURIComponent);
    if (parts[0] === "api" && parts[1] === "models" && parts.length >= 6) {
      const repo = this.repo(res, `${parts[2]}/${parts[3]}`);
      if (!repo) return;
      if (parts[4] === "revision") return this.revision(res, repo, parts.slice(5).join("/"));
      if (parts[4] === "tree") return this.tree(res, url, repo, parts[5] ?? "main");
    } else if (parts.length >= 5 && parts[2] === "resolve") {
      const repo = this.repo(res, `${parts[0]}/${parts[1]}`);
      if (!repo) return;
      return this.resolve(req, res, repo, parts[3] ?? "main", parts.slice(4).join("/"));
    }
    sendHubError(res, 404, "NotFound", `Cannot ${req.method} ${url.pathname}`);
  }

  private repo(res: ServerResponse, id: string): FakeRepo | undefined {
    const repo = this.store.repos.get(id);
    if (!repo) sendHubError(res, 404, "RepoNotFound", `Repository not found: ${id}`);
    return repo;
  }

  private revision(res: ServerResponse, repo: FakeRepo, revision: string): void {
    const commit = this.store.commit(repo, revision);
    if (!commit) return sendHubError(res, 404, "RevisionNotFound", `Invalid rev id: ${revision}`);
    sendJson(res, 200, {
      _id: `fake-${repo.id}`,
      id: repo.id,
      sha: commit.sha,
      private: false,
      gated: repo.gated ? "auto" : false,
      downloads: 0,
      likes: 0,
      lastModified: new Date(0).toISOString(),
      pipeline_tag: "text-to-image",
    });
  }

  private tree(res: ServerResponse, url: URL, repo: FakeRepo, revision: string): void {
    const commit = this.store.commit(repo, revision);
    if (!commit) return sendHubError(res, 404, "RevisionNotFound", `Invalid rev id: ${revision}`);
    const files = [...commit.files.values()].sort((a, b) => a.path.localeCompare(b.path));
    const folders = [...new Set(files.flatMap((f) => f.path.split("/").slice(0, -1).map((_, i, all) => all.slice(0, i + 1).join("/"))))];
    const entries = [
      ...folders.map((path) => ({ type: "directory", oid: "0".repeat(40), size: 0, path })),
      ...files.map((f) => ({ type: "file", oid: f.oid, size: f.content.length, path: f.path, ...(f.lfs && { lfs: f.lfs }) })),
    ];
    const cursor = Number(url.searchParams.get("cursor") ?? "0");
    const page = entries.slice(cursor, cursor + this.pageSize);
    const headers: Record<string, string> = {};
    if (cursor + this.pageSize < entries.length) {
      const next = new URL(url);
      next.searchParams.set("cursor", String(cursor + this.pageSize));
      headers.Link = `<${next.href}>; rel="next"`;
    }
    sendJson(res, 200, page, headers);
  }

  private resolve(req: IncomingMessage, res: ServerResponse, repo: FakeRepo, revision: string, path: string): void {
    if (repo.gated && req.headers.authorization !== `Bearer ${this.token}`) {
      return sendHubError(res, 401, "GatedRepo", `Access to model ${repo.id} is restricted. You must have access to it and be authenticated to access it.`);
    }
    const commit = this.store.commit(repo, revision);
    if (!commit) return sendHubError(res, 404, "RevisionNotFound", `Invalid rev id: ${revision}`);
    const file = commit.files.get(path);
    if (!file) return sendHubError(res, 404, "EntryNotFound", `${path} does not exist on "${revision}"`);
    if (!file.lfs) return sendContent(req, res, file.content, { ETag: `"${file.oid}"`, "X-Repo-Commit": commit.sha });
    res.writeHead(302, {
      Location: `${this.cdnUrl}/blobs/${file.lfs.oid}`,
      ETag: `"${file.oid}"`,
      "X-Repo-Commit": commit.sha,
      "X-Linked-Size": String(file.lfs.size),
      "X-Linked-Etag": `"${file.lfs.oid}"`,
    });
    res.end();
  }

  private handleCdn(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push(record(req, "cdn"));
    const sha256 = /^\/blobs\/([0-9a-f]{64})$/.exec(req.url ?? "")?.[1];
    const file = sha256 ? this.store.blob(sha256) : undefined;
    if (!sha256 || !file) {
      res.writeHead(404).end();
      return;
    }
    let content = file.content;
    if (this.corrupted.has(sha256)) {
      content = Buffer.from(content);
      content[content.length >> 1] = (content[content.length >> 1] ?? 0) ^ 0xff;
    }
    const cut = req.headers.range === "bytes=0-0" ? undefined : this.cuts.get(sha256);
    if (cut !== undefined) this.cuts.delete(sha256);
    sendContent(req, res, content, { ETag: `"${sha256}"`, "Content-Type": "application/octet-stream" }, cut);
  }
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
}
