/** Discord's epoch (2015-01-01T00:00:00Z) in milliseconds, the zero point of every snowflake. */
const DISCORD_EPOCH = 1_420_070_400_000n;

let lastTimestamp = 0n;
let increment = 0n;

/**
 * Makes a new Discord snowflake: 42 bits of milliseconds since Discord's epoch, then worker, process and a
 * 12-bit increment, like Discord's own. Ids made later compare greater, as discord.js expects when it sorts.
 */
export function nextSnowflake(): string {
  const now = BigInt(Date.now()) - DISCORD_EPOCH;
  if (now > lastTimestamp) {
    lastTimestamp = now;
    increment = 0n;
  } else {
    increment += 1n;
    // More than 4096 ids in one millisecond: borrow the next millisecond so ids stay unique and ordered.
    if (increment > 0xfffn) {
      lastTimestamp += 1n;
      increment = 0n;
    }
  }
  return ((lastTimestamp << 22n) | increment).toString();
}
