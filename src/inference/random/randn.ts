import { TorchGenerator } from "./torch-generator.ts";

/**
 * `torch.randn(shape, generator=torch.Generator().manual_seed(seed))` on CPU in float32, element for element.
 * For several draws from one seed, keep a {@link TorchGenerator} instead.
 *
 * @example randn([1, 4, 64, 64], 42).subarray(0, 2) // Float32Array [1.9269153, 1.4872841]
 */
export function randn(shape: number[], seed: number | bigint): Float32Array {
  return new TorchGenerator(seed).randn(shape);
}
