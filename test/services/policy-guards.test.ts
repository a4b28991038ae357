import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEFAULT_GUILD_SETTINGS } from "../../src/db/settings.ts";
import type { GuildLimits } from "../../src/db/types.ts";
import {
  checkChannel,
  checkGenerationLimits,
  checkImageRequest,
  checkMemberNotBlocked,
  shouldSpoiler,
  type GuardResult,
} from "../../src/services/policy/index.ts";

const settings = (patch: Partial<GuildLimits> = {}): GuildLimits => ({ ...DEFAULT_GUILD_SETTINGS, ...patch });

function refusal(result: GuardResult): { reason: string; message: string } {
  assert.equal(result.ok, false, "expected a refusal");
  return result.ok ? { reason: "", message: "" } : result;
}

describe("checkChannel", () => {
  test("an empty list allows every channel", () => {
    assert.deepEqual(checkChannel(settings(), "123"), { ok: true });
  });

  test("only listed channels, and threads whose parent is listed", () => {
    const only = settings({ allowedChannelIds: ["100", "200"] });
    assert.ok(checkChannel(only, "200").ok);
    assert.ok(checkChannel(only, "thread-1", "100").ok);
    const refused = refusal(checkChannel(only, "300", "400"));
    assert.equal(refused.reason, "channel");
    assert.match(refused.message, /can't be requested in this channel.*<#100>, <#200>\.$/);
    assert.equal(checkChannel(only, "300", null).ok, false);
  });

  test("a long list is cut short", () => {
    const many = settings({ allowedChannelIds: Array.from({ length: 8 }, (_, i) => String(i + 1)) });
    assert.match(refusal(checkChannel(many, "99")).message, /<#5> and 3 more\.$/);
  });
});

describe("checkGenerationLimits", () => {
  const limits = settings({ maxSteps: 50, maxSide: 768 });

  test("exact limits pass; one past them is refused, naming the range and the value", () => {
    assert.ok(checkGenerationLimits(limits, { steps: 50, width: 768, height: 64 }).ok);
    assert.ok(checkGenerationLimits(limits, { steps: 1 }).ok, "size may be left to the bot");

    const steps = refusal(checkGenerationLimits(limits, { steps: 51 }));
    assert.equal(steps.reason, "steps");
    assert.match(steps.message, /Steps must be a whole number from 1 to 50 on this server; you asked for 51\./);
    assert.equal(refusal(checkGenerationLimits(limits, { steps: 0 })).reason, "steps");
    assert.equal(refusal(checkGenerationLimits(limits, { steps: 2.5 })).reason, "steps");

    const width = refusal(checkGenerationLimits(limits, { steps: 20, width: 769, height: 512 }));
    assert.equal(width.reason, "size");
    assert.match(width.message, /^Width must be from 64 to 768 pixels on this server; you asked for 769\./);
    assert.match(refusal(checkGenerationLimits(limits, { steps: 20, width: 512, height: 832 })).message, /^Height .* 832/);
    assert.match(refusal(checkGenerationLimits(limits, { steps: 20, width: 32, height: 512 })).message, /^Width .* 32/);
  });

  test("the range follows the server's settings", () => {
    const big = settings({ maxSteps: 150, maxSide: 2048 });
    assert.ok(checkGenerationLimits(big, { steps: 150, width: 2048, height: 2048 }).ok);
    assert.match(refusal(checkGenerationLimits(big, { steps: 151 })).message, /from 1 to 150/);
    assert.match(refusal(checkGenerationLimits(big, { steps: 1, width: 4096 })).message, /from 64 to 2,048/);
  });
});

describe("checkMemberNotBlocked", () => {
  test("blocked members are refused, with the admins' reason when there is one", () => {
    assert.ok(checkMemberNotBlocked({ blocked: false, blockedReason: null }).ok);
    const plain = refusal(checkMemberNotBlocked({ blocked: true, blockedReason: null }));
    assert.equal(plain.reason, "blocked-user");
    assert.doesNotMatch(plain.message, /Reason/);
    assert.match(refusal(checkMemberNotBlocked({ blocked: true, blockedReason: "spam" })).message, /Reason: spam$/);
  });
});

describe("shouldSpoiler", () => {
  test("only when the server asks for it, and only outside age-restricted channels", () => {
    assert.equal(shouldSpoiler({ spoilerOutsideNsfw: true }, false), true);
    assert.equal(shouldSpoiler({ spoilerOutsideNsfw: true }, true), false);
    assert.equal(shouldSpoiler({ spoilerOutsideNsfw: false }, false), false);
    assert.equal(shouldSpoiler({ spoilerOutsideNsfw: false }, true), false);
  });
});

describe("checkImageRequest", () => {
  const facts = {
    settings: settings({ allowedChannelIds: ["100"], blockedWords: ["cat"], maxSteps: 30 }),
    member: { blocked: false, blockedReason: null },
    channelId: "100",
    prompt: "a dog",
    negativePrompt: "blurry",
    steps: 30,
    width: 512,
    height: 512,
  };

  test("passes a request within every limit", () => {
    assert.deepEqual(checkImageRequest(facts), { ok: true });
  });

  test("reports the first problem in order: channel, blocked member, prompt, steps and size", () => {
    const everythingWrong = { ...facts, channelId: "999", member: { blocked: true, blockedReason: null }, prompt: "a cat", steps: 99 };
    assert.equal(refusal(checkImageRequest(everythingWrong)).reason, "channel");
    assert.equal(refusal(checkImageRequest({ ...everythingWrong, channelId: "100" })).reason, "blocked-user");
    assert.equal(refusal(checkImageRequest({ ...everythingWrong, channelId: "100", member: facts.member })).reason, "blocked-word");
    assert.equal(refusal(checkImageRequest({ ...facts, steps: 99 })).reason, "steps");
    assert.equal(refusal(checkImageRequest({ ...facts, width: 1024 })).reason, "size");
  });
});
