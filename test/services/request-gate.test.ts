import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { blockUser, resetGuildSettings, setRoleQuota, unblockUser, updateGuildSettings } from "../../src/db/settings.ts";
import type { QuotaRules } from "../../src/db/types.ts";
import type { GenerationService } from "../../src/services/generation-service.ts";
import { MANAGE_GUILD } from "../../src/services/policy/index.ts";
import { MemberUnavailableError, RequestGate, type ImageRequest, type MemberFacts } from "../../src/services/request-gate.ts";
import { freshDb, type FreshDb } from "../db/fresh-db.ts";

const GUILD = "guild-1";
const member = (facts: Partial<MemberFacts> = {}): (() => Promise<MemberFacts>) => async () => ({ roleIds: [], permissions: 0n, ...facts });
const ask = (overrides: Partial<ImageRequest> = {}): ImageRequest => ({
  guildId: GUILD,
  channelId: "channel-1",
  userId: "alice",
  member: member(),
  ask: { prompt: "a lighthouse", negativePrompt: "", steps: 20, width: 512, height: 512 },
  ...overrides,
});
const job = { kind: "txt2img", prompt: "a lighthouse", negativePrompt: "", strength: null, steps: 20, guidance: 7.5, scheduler: "ddim", width: 512, height: 512, inputHash: null } as const;

describe("RequestGate", () => {
  let fresh: FreshDb;
  let clock: number;
  /** What the gate asked the service to reserve, with which rules. */
  let submitted: Array<{ userId: string; rules: QuotaRules }>;
  let refuseWith: "quota" | undefined;
  let gate: RequestGate;

  before(async () => {
    fresh = await freshDb();
  });
  after(() => fresh.cleanup());
  beforeEach(async () => {
    await resetGuildSettings(fresh.db, GUILD, "test");
    await unblockUser(fresh.db, GUILD, "alice");
    clock = Date.parse("2024-05-01T12:00:00Z");
    submitted = [];
    refuseWith = undefined;
    const generations: Pick<GenerationService, "submit"> = {
      async submit(request, rules) {
        submitted.push({ userId: request.userId, rules });
        if (refuseWith) return { ok: false, reason: refuseWith, used: 1, limit: 1, retryAt: rules.resetsAt };
        return { ok: true, generation: { id: 1 } as never, position: 1, etaMs: 0 };
      },
    };
    gate = new RequestGate({ db: fresh.db, generations, now: () => clock, repeatWindowMs: 20_000 });
  });

  test("a member Discord cannot tell about is refused with 'try again', and nothing is reserved", async () => {
    const verdict = await gate.precheck(ask({ member: async () => Promise.reject(new MemberUnavailableError()) }));
    assert.equal(verdict.ok, false);
    assert.ok(!verdict.ok && verdict.reason === "member-unavailable" && /try again/.test(verdict.message));
    assert.equal(submitted.length, 0);
  });

  test("any other failure reading the member is a fault, not a refusal", async () => {
    await assert.rejects(gate.precheck(ask({ member: async () => Promise.reject(new TypeError("bug")) })), TypeError);
  });

  test("a reroll of someone else's result follows the server's rule; managers always may", async () => {
    const reroll = (facts: Partial<MemberFacts>) => gate.precheck(ask({ member: member(facts), derivedFrom: { requesterId: "bob" } }));
    const refused = await reroll({});
    assert.ok(!refused.ok && refused.reason === "reroll-not-allowed");
    assert.ok((await reroll({ permissions: MANAGE_GUILD })).ok);
    await updateGuildSettings(fresh.db, GUILD, { managerRoleIds: ["11111111111111111"] }, "test");
    assert.ok((await reroll({ roleIds: ["11111111111111111"] })).ok, "a bot manager role");
    await updateGuildSettings(fresh.db, GUILD, { rerollBy: "anyone" }, "test");
    assert.ok((await reroll({})).ok);
  });

  test("the server's guards run on every request: blocked member, channel, steps", async () => {
    await blockUser(fresh.db, GUILD, "alice", "spam");
    const blocked = await gate.precheck(ask());
    assert.ok(!blocked.ok && blocked.reason === "blocked-user");
    await unblockUser(fresh.db, GUILD, "alice");
    await updateGuildSettings(fresh.db, GUILD, { allowedChannelIds: ["22222222222222222"], maxSteps: 10 }, "test");
    const channel = await gate.precheck(ask());
    assert.ok(!channel.ok && channel.reason === "channel");
    const steps = await gate.precheck(ask({ channelId: "22222222222222222" }));
    assert.ok(!steps.ok && steps.reason === "steps");
  });

  test("submit checks the final size (an img2img's fitted one) and takes quota rules from the member's roles", async () => {
    await setRoleQuota(fresh.db, GUILD, "33333333333333333", null);
    const admitted = await gate.precheck(ask({ member: member({ roleIds: ["33333333333333333"] }), ask: { prompt: "x", steps: 20 } }));
    assert.ok(admitted.ok);
    const tooBig = await gate.submit(admitted.admitted, { ...job, width: 1024, height: 512 }, async () => "m1");
    assert.ok(!tooBig.ok && tooBig.reason === "size");
    assert.equal(submitted.length, 0, "nothing reserved for a size over the server's max");
    assert.ok((await gate.submit(admitted.admitted, job, async () => "m1")).ok);
    assert.equal(submitted[0]?.rules.dailyLimit, null, "the role's unlimited override");
    assert.equal(submitted[0]?.userId, "alice");
  });

  test("the same refusal to the same member on the same message is marked repeated until its notice is gone", async () => {
    refuseWith = "quota";
    const admitted = await gate.precheck(ask({ repeatKey: "result-1" }));
    assert.ok(admitted.ok);
    const tap = async () => {
      const result = await gate.submit(admitted.admitted, job, async () => "m1");
      assert.ok(!result.ok);
      return result.repeated;
    };
    assert.deepEqual([await tap(), await tap(), await tap()], [false, true, true]);
    clock += 20_000;
    assert.equal(await tap(), false, "told again once the first notice is gone");
    // Another message, or a request that cannot repeat, is never coalesced.
    const other = await gate.precheck(ask({ repeatKey: "result-2" }));
    assert.ok(other.ok);
    assert.equal((await gate.submit(other.admitted, job, async () => "m1")).ok, false);
    const command = await gate.precheck(ask());
    assert.ok(command.ok);
    const first = await gate.submit(command.admitted, job, async () => "m1");
    const second = await gate.submit(command.admitted, job, async () => "m1");
    assert.ok(!first.ok && !first.repeated && !second.ok && !second.repeated);
  });
});
