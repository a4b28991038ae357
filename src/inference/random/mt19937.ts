const STATE_SIZE = 624;
const SHIFT = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/**
 * The 32-bit Mersenne Twister as torch's CPU generator runs it (`at::mt19937`): the state is seeded with
 * `init_genrand` from a 32-bit value and regenerated all at once when it runs out.
 */
export class Mt19937 {
  readonly #state = new Uint32Array(STATE_SIZE);
  #next = 0;
  #left = 1;

  /** @param seed a 32-bit unsigned seed (torch passes the low 32 bits of its 64-bit seed). */
  constructor(seed: number) {
    const state = this.#state;
    state[0] = seed >>> 0;
    for (let j = 1; j < STATE_SIZE; j++) {
      const prev = state[j - 1]!;
      state[j] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + j) >>> 0;
    }
  }

  /** The next tempered 32-bit output, as an unsigned integer. */
  nextUint32(): number {
    if (--this.#left === 0) this.#twist();
    let y = this.#state[this.#next++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  #twist(): void {
    const state = this.#state;
    for (let j = 0; j < STATE_SIZE; j++) {
      // Indices are taken modulo the state size: always in range.
      const mixed = (state[j]! & UPPER_MASK) | (state[(j + 1) % STATE_SIZE]! & LOWER_MASK);
      const twisted = (mixed >>> 1) ^ (state[(j + 1) % STATE_SIZE]! & 1 ? MATRIX_A : 0);
      state[j] = state[(j + SHIFT) % STATE_SIZE]! ^ twisted;
    }
    this.#left = STATE_SIZE;
    this.#next = 0;
  }
}
