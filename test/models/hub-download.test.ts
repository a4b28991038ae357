import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFile, readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  ChecksumMismatchError,
  DownloadInterruptedError,
  downloadHubModel,
  HubAccessError,
  HubNotFoundError,
  HubUnreachableError,
  InsufficientDiskSpaceError,
  readManifest,
  type HubDownloadOptions,
} from "../../src/models/index.ts";
import type { HubFake } from "../hub-fake/index.ts";
import { closedPort } from "./closed-port.ts";
import { REPO, SKIPPED_FILES, startHubWithModel } from "./hub-model.ts";

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const exists = (path: string) => stat(path).then(() => true, () => false);

describe("downloadHubModel against the local hub", () => {
  let hub: HubFake;
  let commit: string;
  let modelsDir: string;
  const options = (extra: Partial<HubDownloadOptions> = {}): HubDownloadOptions => ({
    modelsDir,
    repo: REPO,
    revision: "main",
    precision: "fp32",
    hub: { hubUrl: hub.hubUrl },
    ...extra,
  });
  const fresh = async () => rm(join(modelsDir, "hub"), { recursive: true, force: true });

  before(async () => {
    // Three entries a page: the listing is only complete if its Link pages are followed.
    ({ hub, commit, modelsDir } = await startHubWithModel({ pageSize: 3 }));
  });
  after(async () => {
    await hub.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  test("downloads only the pipeline's files into a folder named by the commit, with a manifest of their sha256", async () => {
    await fresh();
    const { dir, manifest } = await downloadHubModel(options());
    assert.equal(dir, join(modelsDir, "hub", "fake-org--sd15-tiny-onnx", commit));
    assert.deepEqual((await readManifest(dir))?.commit, commit);
    assert.equal(manifest.repo, REPO);
    assert.equal(manifest.revision, "main");
    const repoFiles = hub.store.commit(hub.store.repos.get(REPO)!, "main")!.files;
    for (const file of manifest.files) {
      const bytes = await readFile(join(dir, file.path));
      assert.equal(file.sha256, sha256(bytes), file.path);
      assert.deepEqual(bytes, repoFiles.get(file.source)?.content, file.path);
    }
    assert.ok(manifest.files.some((f) => f.path === "unet/weights.pb" && f.lfs));
    for (const skipped of Object.keys(SKIPPED_FILES)) {
      assert.ok(!manifest.files.some((f) => f.source === skipped), skipped);
      assert.ok(!hub.requests.some((r) => r.url.endsWith(`/${skipped}`)), `${skipped} was requested`);
    }
    assert.ok(hub.requests.filter((r) => r.url.includes("/tree/")).length > 1, "the listing's pages were not followed");
    const leftovers = (await readdir(dir, { recursive: true })).filter((name) => name.endsWith(".partial"));
    assert.deepEqual(leftovers, []);
  });

  test("a half-downloaded file is resumed with a Range from where the interrupted run stopped", async () => {
    await fresh();
    const cut = 100_000;
    hub.cutOnce(REPO, "unet/weights.pb", cut);
    const before = hub.contentRanges(REPO, "unet/weights.pb").length;
    await assert.rejects(downloadHubModel(options({ attempts: 1 })), DownloadInterruptedError);
    const dir = join(modelsDir, "hub", "fake-org--sd15-tiny-onnx", commit);
    // What reached the disk (the client library may drop the last buffered chunk of a broken stream).
    const kept = (await stat(join(dir, "unet/weights.pb.partial"))).size;
    assert.ok(kept > 0 && kept <= cut, `kept ${kept} of ${cut} bytes`);
    assert.equal(await exists(join(dir, "unet/weights.pb")), false);

    const { manifest } = await downloadHubModel(options());
    const file = manifest.files.find((f) => f.path === "unet/weights.pb")!;
    assert.deepEqual(hub.contentRanges(REPO, "unet/weights.pb").slice(before), [undefined, `bytes=${kept}-${file.size - 1}`]);
    assert.equal(sha256(await readFile(join(dir, "unet/weights.pb"))), file.sha256);
  });

  test("a connection cut mid-file is retried in the same run, resuming (not restarting) the file", async () => {
    await fresh();
    const cut = 43_210;
    hub.cutOnce(REPO, "unet/weights.pb", cut);
    const before = hub.contentRanges(REPO, "unet/weights.pb").length;
    const { dir, manifest } = await downloadHubModel(options());
    const file = manifest.files.find((f) => f.path === "unet/weights.pb")!;
    const [first, second, ...more] = hub.contentRanges(REPO, "unet/weights.pb").slice(before);
    assert.equal(first, undefined);
    const resumedAt = Number(/^bytes=(\d+)-(\d+)$/.exec(second ?? "")?.[1]);
    assert.ok(resumedAt > 0 && resumedAt <= cut, `resumed at ${second}`);
    assert.deepEqual(more, []);
    assert.equal(sha256(await readFile(join(dir, "unet/weights.pb"))), file.sha256);
  });

  test("a file whose bytes do not match the listed sha256 is rejected and left under no name", async () => {
    await fresh();
    const { hub: bad, modelsDir: dir2 } = await startHubWithModel();
    try {
      bad.corrupt(REPO, "unet/weights.pb");
      await assert.rejects(downloadHubModel({ ...options(), modelsDir: dir2, hub: { hubUrl: bad.hubUrl } }), (error: unknown) => {
        assert.ok(error instanceof ChecksumMismatchError);
        assert.match(error.message, /unet\/weights\.pb failed verification: expected sha256 [0-9a-f]{64}, got sha256 [0-9a-f]{64}/);
        return true;
      });
      const [folder] = await readdir(join(dir2, "hub", "fake-org--sd15-tiny-onnx"));
      const modelDir = join(dir2, "hub", "fake-org--sd15-tiny-onnx", folder!);
      assert.equal(await exists(join(modelDir, "unet/weights.pb")), false);
      assert.equal(await exists(join(modelDir, "unet/weights.pb.partial")), false);
      assert.equal(await readManifest(modelDir), undefined);
    } finally {
      await bad.close();
      await rm(dir2, { recursive: true, force: true });
    }
  });

  test("not enough free space fails before any byte is fetched, naming both sizes", async () => {
    await fresh();
    const fetched = hub.requests.filter((r) => r.server === "cdn").length;
    await assert.rejects(downloadHubModel(options({ availableSpace: async () => 1_000_000 })), (error: unknown) => {
      assert.ok(error instanceof InsufficientDiskSpaceError);
      assert.match(error.message, /needs 3\.\d+ MB more .* and 1\.00 MB is free/);
      return true;
    });
    assert.equal(hub.requests.filter((r) => r.server === "cdn").length, fetched);
  });

  test("two downloads of the same model at once: one waits on the lock and finds the other's verified model", async () => {
    await fresh();
    const cdnBefore = hub.contentRanges(REPO, "unet/weights.pb").length;
    const waits: number[] = [];
    const [a, b] = await Promise.all([downloadHubModel(options({ onLockWait: (pid) => waits.push(pid) })), downloadHubModel(options({ onLockWait: (pid) => waits.push(pid) }))]);
    assert.equal(a.dir, b.dir);
    assert.deepEqual(waits, [process.pid]);
    assert.equal(hub.contentRanges(REPO, "unet/weights.pb").length - cdnBefore, 1, "the weights were downloaded twice");
    assert.equal(await exists(`${a.dir}.lock`), false);
  });

  test("fp16 asked of a repository without fp16 graphs reuses its fp32 download instead of a second copy", async () => {
    await fresh();
    const fp32 = await downloadHubModel(options());
    const weightsFetches = hub.contentRanges(REPO, "unet/weights.pb").length;
    const fp16 = await downloadHubModel(options({ precision: "fp16" }));
    assert.equal(fp16.dir, fp32.dir);
    assert.equal(fp16.manifest.precision, "fp32");
    assert.equal(hub.contentRanges(REPO, "unet/weights.pb").length, weightsFetches);
  });

  test("fp16 asked of a repository with an fp16 UNet downloads model_fp16.onnx as unet/model.onnx into its own folder", async () => {
    const repo = "fake-org/with-fp16";
    const files = hub.store.commit(hub.store.repos.get(REPO)!, "main")!.files;
    const upload = Object.fromEntries([...files.values()].map((f) => [f.path, f.content]));
    const fp16Graph = Buffer.from("an fp16 graph");
    const fp16Commit = hub.push(repo, { ...upload, "unet/model_fp16.onnx": fp16Graph, "unet/model_fp16.onnx_data": Buffer.alloc(1000, 9) });
    const { dir, manifest } = await downloadHubModel(options({ repo, precision: "fp16" }));
    assert.equal(dir, join(modelsDir, "hub", "fake-org--with-fp16", `${fp16Commit}-fp16`));
    assert.equal(manifest.precision, "fp16");
    assert.deepEqual(await readFile(join(dir, "unet/model.onnx")), fp16Graph);
    assert.deepEqual(
      manifest.files.filter((f) => f.path.startsWith("unet/")).map((f) => [f.path, f.source]),
      [["unet/model.onnx", "unet/model_fp16.onnx"], ["unet/model_fp16.onnx_data", "unet/model_fp16.onnx_data"], ["unet/config.json", "unet/config.json"]],
    );
  });

  test("an unknown repository or revision is a 404 that names it", async () => {
    await assert.rejects(downloadHubModel(options({ repo: "fake-org/nope" })), (error: unknown) => {
      assert.ok(error instanceof HubNotFoundError);
      assert.match(error.message, /fake-org\/nope@main was not found on http:\/\/127\.0\.0\.1:\d+ \(HTTP 404\)/);
      return true;
    });
    await assert.rejects(downloadHubModel(options({ revision: "v9" })), HubNotFoundError);
  });
});

describe("gated repositories", () => {
  test("401 without a token says to set HF_TOKEN; the configured token downloads it", async () => {
    const { hub, modelsDir } = await startHubWithModel({ gated: true, token: "hf_gated_secret" });
    try {
      const options = { modelsDir, repo: REPO, revision: "main", precision: "fp32" as const };
      await assert.rejects(downloadHubModel({ ...options, hub: { hubUrl: hub.hubUrl } }), (error: unknown) => {
        assert.ok(error instanceof HubAccessError);
        assert.match(error.message, /HTTP 401.*gated or private.*HF_TOKEN is not set/);
        return true;
      });
      await assert.rejects(downloadHubModel({ ...options, hub: { hubUrl: hub.hubUrl, accessToken: "hf_wrong" } }), (error: unknown) => {
        assert.ok(error instanceof HubAccessError);
        assert.doesNotMatch(error.message, /hf_wrong/);
        return true;
      });
      const { manifest } = await downloadHubModel({ ...options, hub: { hubUrl: hub.hubUrl, accessToken: "hf_gated_secret" } });
      assert.ok(manifest.files.length > 5);
    } finally {
      await hub.close();
      await rm(modelsDir, { recursive: true, force: true });
    }
  });
});

describe("an unreachable hub", () => {
  test("says which host it tried and how to use a local folder instead", async () => {
    const port = await closedPort();
    await assert.rejects(
      downloadHubModel({ modelsDir: "/nonexistent", repo: REPO, revision: "main", precision: "fp32", hub: { hubUrl: `http://127.0.0.1:${port}` } }),
      (error: unknown) => {
        assert.ok(error instanceof HubUnreachableError);
        assert.match(error.message, new RegExp(`Could not reach the Hugging Face Hub at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
        assert.match(error.message, /MODEL_DIR=/);
        return true;
      },
    );
  });
});

