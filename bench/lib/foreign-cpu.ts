import { readFileSync } from "node:fs";
import { cpus } from "node:os";

/** CPU ticks (USER_HZ, 100 on Linux) at one instant: the whole machine's busy time and this process's children's. */
interface CpuTicks {
  at: number;
  machineBusy: number;
  ownChildren: number;
}

function read(): CpuTicks | undefined {
  try {
    // cpu  user nice system idle iowait irq softirq steal …
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    const busy = fields.reduce((a, b) => a + b, 0) - fields[3]! - fields[4]!;
    // /proc/self/stat: the name may hold spaces, so count from the ")": cutime and cstime are fields 16 and 17.
    const self = readFileSync("/proc/self/stat", "utf8");
    const rest = self.slice(self.lastIndexOf(")") + 2).split(" ").map(Number);
    return { at: performance.now(), machineBusy: busy, ownChildren: rest[13]! + rest[14]! + rest[11]! + rest[12]! };
  } catch {
    return undefined; // not Linux
  }
}

/**
 * Measures how much CPU *other* processes used while a benchmark child ran: on a shared machine their load slows
 * the benchmark down, and the report should say so. Start before spawning the child, stop after it has exited.
 * @returns a function giving the share of all cores used by others, in %, or undefined where /proc is missing.
 */
export function watchForeignCpu(): () => number | undefined {
  const before = read();
  return () => {
    const after = read();
    if (!before || !after) return undefined;
    const elapsedTicks = ((after.at - before.at) / 1000) * 100 * cpus().length;
    const foreign = after.machineBusy - before.machineBusy - (after.ownChildren - before.ownChildren);
    return Math.max(0, Math.min(100, (foreign / elapsedTicks) * 100));
  };
}
