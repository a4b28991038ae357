import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { promisify } from "node:util";

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { allowScripts?: Record<string, boolean>; scripts: Record<string, string> };

// onnxruntime-node's postinstall downloads CUDA binaries from a feed that is unreachable offline. npm's install-script
// policy (package.json "allowScripts", enforced by npm 12) is the supported way to skip it; the old `.npmrc` key made
// npm warn on every command that it "will stop working in the next major version".
test("onnxruntime-node's download script is denied by the install-script policy, not an .npmrc key", () => {
  assert.equal(pkg.allowScripts?.["onnxruntime-node"], false);
  const npmrc = existsSync(".npmrc") ? readFileSync(".npmrc", "utf8") : "";
  assert.doesNotMatch(npmrc, /onnxruntime-node-install/);
  assert.match(pkg.scripts["install-cuda"] ?? "", /ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install/);
});

test("npm runs without config warnings and every dependency's install script is reviewed", async () => {
  const { stdout, stderr } = await run("npm", ["install-scripts", "ls"], { env: { ...process.env, NO_COLOR: "1" } });
  assert.doesNotMatch(stderr, /Unknown project config/);
  assert.match(stdout, /No packages with unreviewed install scripts/);
});
