import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { actionOfEmoji, describeResultReactions, enabledResultActions, parseResultReactions } from "../../src/services/result-palette.ts";
import { validateLimitPatch } from "../../src/services/policy/index.ts";

describe("the reactions under results (/limits set result_reactions)", () => {
  test("reads names and emoji, in any order, stored in the palette's order", () => {
    assert.deepEqual(parseResultReactions("upscale 🔁, variation"), { ok: true, stored: "reroll variation upscale", actions: ["reroll", "variation", "upscale"] });
    assert.deepEqual(parseResultReactions(" ALL "), { ok: true, stored: "all", actions: ["reroll", "variation", "stronger", "weaker", "upscale"] });
    assert.deepEqual(parseResultReactions("none"), { ok: true, stored: "none", actions: [] });
    assert.equal((parseResultReactions("reroll variation stronger weaker upscale") as { stored: string }).stored, "all");
  });

  test("refuses what is not an action, saying what is", () => {
    const refused = parseResultReactions("reroll zoom");
    assert.equal(refused.ok, false);
    assert.match((refused as { problem: string }).problem, /some of reroll \(🔁\).*got "zoom"/);
    assert.match(JSON.stringify(validateLimitPatch({ resultReactions: "zoom" })), /Reactions under results/);
    assert.deepEqual(validateLimitPatch({ resultReactions: "⬆️ 🔀" }), { ok: true, value: { resultReactions: "variation upscale" } });
  });

  test("⬆️ is recognised with or without its variation selector", () => {
    assert.equal(actionOfEmoji("⬆️"), "upscale");
    assert.equal(actionOfEmoji("⬆"), "upscale");
    assert.equal(actionOfEmoji("🔼"), "stronger");
    assert.equal(actionOfEmoji("❌"), undefined);
  });

  test("shows the stored value as emoji", () => {
    assert.equal(describeResultReactions("all"), "all: 🔁 🔀 🔼 🔽 ⬆️");
    assert.equal(describeResultReactions("reroll upscale"), "🔁 ⬆️");
    assert.equal(describeResultReactions("none"), "none");
    assert.deepEqual(enabledResultActions("garbage"), ["reroll", "variation", "stronger", "weaker", "upscale"]);
  });
});
