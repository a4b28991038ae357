import type { Redis } from "ioredis";

/**
 * BullMQ's priorities go up to 2^21 - 1 (see its `Job` class); rounds count up while anything waits and start
 * again from 0 whenever the fleet's queue runs empty, so a backlog would have to last millions of jobs to reach it.
 */
export const MAX_ROUND = 2 ** 21 - 2;

/**
 * The round-robin rule of {@link RoundRobin}, decided in Redis for every bot process at once.
 *
 * Each job is given, when it is queued, the round in which its member's turn comes: `max(current round, that
 * member's last round + 1)`, where the current round is that of the latest job a worker started. BullMQ runs the
 * lowest round first (the job's priority is its round + 1) and, within a round, in the order jobs were added — the
 * same order RoundRobin takes them in. The assignment is one Lua script, so two bot processes can never give two
 * jobs the same member's turn. When nothing waits, rounds start again from 0 (members who had their turn in the
 * current round keep having had it).
 */
const ASSIGN = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if redis.call('SCARD', KEYS[3]) == 0 and current > 0 then
  local had = redis.call('HGETALL', KEYS[2])
  redis.call('DEL', KEYS[2])
  for i = 1, #had, 2 do
    if tonumber(had[i + 1]) >= current then redis.call('HSET', KEYS[2], had[i], 0) end
  end
  current = 0
  redis.call('SET', KEYS[1], 0)
end
local last = redis.call('HGET', KEYS[2], ARGV[1])
local round = current
if last then round = math.max(current, tonumber(last) + 1) end
redis.call('HSET', KEYS[2], ARGV[1], round)
redis.call('SADD', KEYS[3], ARGV[2])
return round
`;

/** A job left the waiting set: started (its round becomes the current one, never going back) or dropped. */
const LEAVE = `
local removed = redis.call('SREM', KEYS[2], ARGV[1])
if ARGV[2] ~= '' and removed == 1 then
  local current = tonumber(redis.call('GET', KEYS[1]) or '0')
  if tonumber(ARGV[2]) > current then redis.call('SET', KEYS[1], ARGV[2]) end
end
return removed
`;

type FairRoundsRedis = Redis & {
  rerollAssignRound(current: string, last: string, waiting: string, user: string, jobId: string): Promise<number>;
  rerollLeaveRound(current: string, waiting: string, jobId: string, round: string): Promise<number>;
};

/** The fleet's rounds in Redis, under `${prefix}:fair:*`. */
export class FairRounds {
  readonly #redis: FairRoundsRedis;
  readonly #keys: { current: string; last: string; waiting: string };

  constructor(redis: Redis, prefix: string) {
    redis.defineCommand("rerollAssignRound", { numberOfKeys: 3, lua: ASSIGN });
    redis.defineCommand("rerollLeaveRound", { numberOfKeys: 2, lua: LEAVE });
    this.#redis = redis as FairRoundsRedis;
    this.#keys = { current: `${prefix}:fair:round`, last: `${prefix}:fair:last`, waiting: `${prefix}:fair:waiting` };
  }

  /** The round in which `user`'s new job `jobId` runs; it counts as waiting until {@link started} or {@link dropped}. */
  async assign(user: string, jobId: string): Promise<number> {
    const { current, last, waiting } = this.#keys;
    const round = Number(await this.#redis.rerollAssignRound(current, last, waiting, user, jobId));
    if (round > MAX_ROUND) throw new Error(`The fleet's queue reached round ${round}, past BullMQ's highest priority`);
    return round;
  }

  /** A worker started `jobId` of `round`: later jobs cannot be given an earlier round. Idempotent (a stalled job restarts). */
  async started(jobId: string, round: number): Promise<void> {
    await this.#redis.rerollLeaveRound(this.#keys.current, this.#keys.waiting, jobId, String(round));
  }

  /** `jobId` left without running (cancelled while waiting). */
  async dropped(jobId: string): Promise<void> {
    await this.#redis.rerollLeaveRound(this.#keys.current, this.#keys.waiting, jobId, "");
  }

  /** Forgets every round (the reconciler, after Redis lost the queue). */
  async reset(): Promise<void> {
    await this.#redis.del(this.#keys.current, this.#keys.last, this.#keys.waiting);
  }
}
