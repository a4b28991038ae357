/** A seeded source of standard normal noise that draws in torch's CPU order (see torch-generator.ts). */
export interface Generator {
  randn(shape: number[]): Float32Array;
}
