/**
 * The hub fake in its own process for the download benchmark, so the server's work does not share an event loop with
 * the client being measured (curl gets the same separate server). Serves a synthesized model whose UNet weights are
 * replaced by `<MiB>` random bytes, prints `{"hubUrl","repo","bytes"}` on stdout, and runs until killed.
 * Usage: node --import tsx bench/lib/hub-fake-server.ts <MiB>
 */
import { randomBytes } from "node:crypto";
import { folderFiles, HubFake } from "../../test/hub-fake/index.ts";
import { syntheticModel } from "../../test/helpers/synthetic-models.ts";

const mib = Number(process.argv[2] ?? "128");
const repo = "bench/sd15-download";
const hub = await new HubFake().start();
const files = await folderFiles(await syntheticModel("tiny"));
const weights = randomBytes(mib * 2 ** 20);
hub.push(repo, { ...files, "unet/weights.pb": weights });
const bytes = Object.entries(files).reduce((sum, [path, b]) => sum + (path === "unet/weights.pb" || path === "SYNTHETIC.md" ? 0 : b.length), weights.length);
process.stdout.write(`${JSON.stringify({ hubUrl: hub.hubUrl, repo, bytes, weightsBytes: weights.length })}\n`);
