import type { JobPosition } from "../jobs/index.ts";

/** A job as the fleet's state shows it: its id, cost in reference steps, and for a running one when it started. */
export interface FleetJobState {
  id: string;
  units: number;
  /** Epoch ms when a worker started it; set for running jobs only. */
  startedAt?: number;
}

/**
 * Positions and ETAs over the whole fleet: the running jobs are position 0 and finish when their estimated time
 * is up; waiting jobs, in run order, each go to the worker that frees up first (`workers` of them, at least one).
 */
export function fleetPositions(
  running: readonly FleetJobState[],
  waiting: readonly FleetJobState[],
  options: { workers: number; msPerUnit: number; now: number },
): Map<string, JobPosition> {
  const { msPerUnit, now } = options;
  const positions = new Map<string, JobPosition>();
  const freeAt: number[] = [];
  for (const job of running) {
    const left = Math.max(0, job.units * msPerUnit - (now - (job.startedAt ?? now)));
    positions.set(job.id, { position: 0, etaMs: Math.round(left) });
    freeAt.push(left);
  }
  while (freeAt.length < Math.max(1, options.workers)) freeAt.push(0);
  let position = 1;
  for (const job of waiting) {
    // The earliest free worker takes the next job (a few dozen workers at most: a linear scan is enough).
    let slot = 0;
    for (let i = 1; i < freeAt.length; i++) if (freeAt[i]! < freeAt[slot]!) slot = i;
    const startsIn = freeAt[slot]!;
    positions.set(job.id, { position: position++, etaMs: Math.round(startsIn) });
    freeAt[slot] = startsIn + job.units * msPerUnit;
  }
  return positions;
}
