import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ADMINISTRATOR,
  MANAGE_GUILD,
  canManage,
  canReroll,
  checkManager,
  checkReroll,
} from "../../src/services/policy/index.ts";

const SEND_MESSAGES = 1n << 11n;
const MANAGE_CHANNELS = 1n << 4n;
const managers = { managerRoleIds: ["mods"] };

describe("canManage", () => {
  test("the permission bits are Discord's", () => {
    assert.equal(ADMINISTRATOR, 8n);
    assert.equal(MANAGE_GUILD, 32n);
  });

  test("Manage Server or Administrator, alone or among other permissions", () => {
    for (const memberPermissions of [MANAGE_GUILD, ADMINISTRATOR, MANAGE_GUILD | SEND_MESSAGES, ADMINISTRATOR | SEND_MESSAGES]) {
      assert.equal(canManage({ memberPermissions, memberRoleIds: [], settings: managers }), true, String(memberPermissions));
    }
  });

  test("other permissions are not enough; a manager role is", () => {
    const everyoneElse = SEND_MESSAGES | MANAGE_CHANNELS;
    assert.equal(canManage({ memberPermissions: everyoneElse, memberRoleIds: ["fans"], settings: managers }), false);
    assert.equal(canManage({ memberPermissions: 0n, memberRoleIds: ["fans", "mods"], settings: managers }), true);
    assert.equal(canManage({ memberPermissions: 0n, memberRoleIds: ["mods"], settings: { managerRoleIds: [] } }), false);
  });

  test("checkManager refuses with a message", () => {
    const refused = checkManager({ memberPermissions: SEND_MESSAGES, memberRoleIds: [], settings: managers });
    assert.equal(refused.ok ? "ok" : refused.reason, "not-manager");
    assert.match(refused.ok ? "" : refused.message, /Manage Server/);
    assert.deepEqual(checkManager({ memberPermissions: MANAGE_GUILD, memberRoleIds: [], settings: managers }), { ok: true });
  });
});

describe("canReroll", () => {
  const requester = { settings: { rerollBy: "requester" as const }, requesterId: "alice" };
  const anyone = { settings: { rerollBy: "anyone" as const }, requesterId: "alice" };

  test('"requester": only the requester, or a manager', () => {
    assert.equal(canReroll({ ...requester, userId: "alice", isManager: false }), true);
    assert.equal(canReroll({ ...requester, userId: "bob", isManager: false }), false);
    assert.equal(canReroll({ ...requester, userId: "bob", isManager: true }), true);
  });

  test('"anyone": anyone', () => {
    assert.equal(canReroll({ ...anyone, userId: "bob", isManager: false }), true);
    assert.equal(canReroll({ ...anyone, userId: "alice", isManager: false }), true);
  });

  test("checkReroll refuses with a message", () => {
    const refused = checkReroll({ ...requester, userId: "bob", isManager: false });
    assert.equal(refused.ok ? "ok" : refused.reason, "reroll-not-allowed");
    assert.match(refused.ok ? "" : refused.message, /only the person who asked/);
  });
});
