import type { JobSpec } from "./job-spec.ts";

/**
 * Grouping jobs by model within fairness. Switching the loaded model costs seconds (a load), so when the job whose
 * fair turn it is needs another model, the jobs of the loaded model that are waiting at that moment run first (a
 * batch), then the switch happens. Jobs that arrive later never join that batch, so a member's job is delayed by at
 * most one batch (one model switch) to group others; a job whose fair turn needs no switch runs in its turn.
 */
export interface BatchState {
  /** The group (model) loaded now: the last started job's. */
  group: string | undefined;
  /** Ids still allowed to run before the pending switch; undefined while no switch is pending. */
  batch: ReadonlySet<string> | undefined;
}

function runsOn(job: JobSpec, group: string | undefined): boolean {
  return job.group === undefined || group === undefined || job.group === group;
}

/**
 * Which of the waiting jobs (in fair order) runs next, and the state once it has started.
 * @returns undefined when nothing waits
 */
export function pickBatched<J extends JobSpec>(order: readonly J[], state: BatchState): { index: number; state: BatchState } | undefined {
  const first = order[0];
  if (!first) return undefined;
  const without = (id: string) => (state.batch ? new Set([...state.batch].filter((other) => other !== id)) : undefined);
  if (runsOn(first, state.group)) return { index: 0, state: { group: first.group ?? state.group, batch: without(first.id) } };
  // The fair turn needs a switch: the loaded model's jobs waiting now go first, once.
  const batch = state.batch ?? new Set(order.filter((job) => job.group === state.group).map((job) => job.id));
  const index = order.findIndex((job) => batch.has(job.id));
  if (index > 0) {
    const picked = order[index]!;
    return { index, state: { group: state.group, batch: new Set([...batch].filter((id) => id !== picked.id)) } };
  }
  return { index: 0, state: { group: first.group, batch: undefined } };
}

/** The order the jobs will run in if nothing changes, with the group switch before each job that needs one. */
export function plannedOrder<J extends JobSpec>(order: readonly J[], state: BatchState): Array<{ job: J; switches: boolean }> {
  const rest = [...order];
  const planned: Array<{ job: J; switches: boolean }> = [];
  let current = state;
  for (let next = pickBatched(rest, current); next; next = pickBatched(rest, current)) {
    const [job] = rest.splice(next.index, 1);
    planned.push({ job: job!, switches: job!.group !== undefined && current.group !== undefined && job!.group !== current.group });
    current = next.state;
  }
  return planned;
}
