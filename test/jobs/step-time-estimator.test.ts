import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StepTimeEstimator } from "../../src/jobs/step-time-estimator.ts";

describe("StepTimeEstimator", () => {
  it("replaces the initial guess with the first measurement, then averages", () => {
    const estimator = new StepTimeEstimator({ initialMsPerUnit: 1000, smoothing: 0.5 });
    assert.equal(estimator.estimateMs(20), 20_000);
    estimator.record(2000, 20); // 100 ms per unit
    assert.equal(estimator.msPerUnit, 100);
    estimator.record(6000, 20); // 300: 100 + 0.5 × 200
    assert.equal(estimator.msPerUnit, 200);
    estimator.record(Number.NaN, 20);
    estimator.record(100, 0);
    assert.equal(estimator.msPerUnit, 200, "ignores unusable measurements");
  });

  it("estimates a running job's time left", () => {
    const estimator = new StepTimeEstimator({ initialMsPerUnit: 100, smoothing: 0.3 });
    const run = { units: 40, startedAt: 1000, step: 0, totalSteps: 20 };
    assert.equal(estimator.remainingMs(run, 1500), 3500, "expected 4000 − 500 elapsed");
    assert.equal(estimator.remainingMs(run, 9000), 0, "overdue: not below 0");
    const oneReport = { ...run, step: 2, firstReport: { at: 2000, step: 2 } };
    assert.equal(estimator.remainingMs(oneReport, 2000), 3600, "4000 / 20 per step × 18 left");
    const paced = { ...run, step: 7, firstReport: { at: 2000, step: 2 } };
    assert.equal(estimator.remainingMs(paced, 3000), 2600, "1000 ms / 5 steps × 13 left");
  });
});
