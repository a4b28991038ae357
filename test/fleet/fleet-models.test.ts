import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FleetModels } from "../../src/fleet/fleet-models.ts";
import { describeInstalledModels } from "../../src/fleet/model-descriptions.ts";
import type { PublishedModel } from "../../src/fleet/published-models.ts";
import { SD15_FAMILY } from "../../src/inference/index.ts";
import { InstalledModels } from "../../src/models/installed-models.ts";
import { chooseModel, NO_MODEL_YET } from "../../src/services/choose-model.ts";
import { folderFamilyReader } from "../../src/services/model-defaults.ts";
import { syntheticModel } from "../helpers/synthetic-models.ts";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const TURBO_DEFAULTS = { scheduler: "euler", steps: 1, guidanceScale: 0, width: 512, height: 512, img2img: { steps: 2, strength: 0.5 } } as const;
const turbo: PublishedModel = {
  name: "sd-turbo",
  commit: COMMIT,
  source: { repo: "onnx-community/sd-turbo-ONNX", revision: "main" },
  family: { name: "sd-turbo", label: "SD-Turbo" },
  defaults: TURBO_DEFAULTS,
  safetyChecker: true,
  startup: false,
  lastSeenAt: 1,
};
const sd15: PublishedModel = { name: "my-sd15", family: { name: "sd1", label: "SD 1.x" }, defaults: SD15_FAMILY.defaults, safetyChecker: false, startup: true, lastSeenAt: 1 };

const fleetOf = (models: PublishedModel[], defaultModel = "onnx-community/stable-diffusion-v1-5-ONNX") =>
  new FleetModels({ catalog: { read: async () => models }, defaultModel, cacheMs: 0 });
const NO_SETTINGS = { defaultModel: "" };

/** A bot process's models in the distributed mode: what the fleet's workers published, no folders. */
describe("FleetModels", () => {
  test("the bot's default is the model its MODEL names, by name or by the hub repository it was downloaded from", async () => {
    assert.equal((await fleetOf([turbo, sd15], "sd-turbo").defaultModel())?.name, "sd-turbo");
    assert.equal((await fleetOf([turbo, sd15], "onnx-community/sd-turbo-ONNX").defaultModel())?.name, "sd-turbo");
    assert.equal((await fleetOf([turbo, sd15], "onnx-community/sd-turbo-ONNX@other").defaultModel())?.name, "my-sd15", "another revision is not it");
    // MODEL names nothing published (the bot left with the default): the model workers start with.
    const fleet = fleetOf([turbo, sd15]);
    assert.equal((await fleet.defaultModel())?.name, "my-sd15");
    assert.deepEqual((await fleet.list()).map((m) => m.name), ["my-sd15", "sd-turbo"], "the default first");
  });

  test("defaults, safety checker and recorded models come from the catalog", async () => {
    const fleet = fleetOf([turbo, sd15], "sd-turbo");
    assert.deepEqual(await fleet.defaults({ name: "sd-turbo", commit: COMMIT }), TURBO_DEFAULTS);
    assert.deepEqual(await fleet.defaults(undefined), TURBO_DEFAULTS, "no model: the bot's default's");
    assert.equal(await fleet.hasSafetyChecker(turbo), true);
    assert.equal(await fleet.hasSafetyChecker(sd15), false);
    assert.equal((await fleet.findRecorded(`sd-turbo@${COMMIT}`)).ok, true);
    assert.equal((await fleet.findRecorded(`renamed@${COMMIT}`)).ok, true, "another name holding that commit");
    const gone = await fleet.findRecorded(`sd-turbo@${"f".repeat(40)}`);
    assert.ok(!gone.ok && /none of the bot's GPU workers serves/.test(gone.message), "another commit is not it");
  });

  test("nothing published yet: no default, and requests are refused with a clear message (the gate charges nothing)", async () => {
    const fleet = fleetOf([]);
    assert.equal(await fleet.defaultModel(), undefined);
    for (const choice of [{}, { picked: "sd-turbo" }]) {
      const chosen = await chooseModel(fleet, choice, NO_SETTINGS);
      assert.ok(!chosen.ok && chosen.message === NO_MODEL_YET, JSON.stringify(choice));
    }
  });

  test("a model never published is refused, naming those that are", async () => {
    const chosen = await chooseModel(fleetOf([turbo, sd15]), { picked: "sdxl" }, NO_SETTINGS);
    assert.ok(!chosen.ok);
    assert.match(chosen.message, /No model called `sdxl` is installed\. Installed models: `my-sd15`, `sd-turbo`\./);
  });

  test("of one name at two commits, the one last seen", async () => {
    const newer = { ...turbo, commit: "f".repeat(40), lastSeenAt: 2 };
    assert.equal((await fleetOf([turbo, newer]).find("sd-turbo"))?.commit, newer.commit);
  });
});

describe("what a worker publishes of its models", () => {
  test("each folder's family and defaults read from its files, its safety checker, the startup model flagged", async () => {
    const dir = await syntheticModel("tiny-turbo");
    const models = new InstalledModels({ startup: { name: "stand-in", dir } });
    const [described, ...rest] = await describeInstalledModels(models, { readFamily: folderFamilyReader(() => undefined) });
    assert.equal(rest.length, 0);
    assert.equal(described?.family.name, "sd-turbo");
    assert.match(described?.family.label ?? "", /^SD-Turbo/);
    assert.equal(described?.defaults.steps, 1);
    assert.equal(described?.defaults.guidanceScale, 0);
    assert.equal(described?.safetyChecker, false);
    assert.equal(described?.startup, true);
    assert.equal(described?.name, "stand-in");
  });
});
