import { describe, expect, it } from 'vitest';
import { slopePerHour } from './soak.js';

describe('slopePerHour', () => {
  it('is the least-squares slope in MB per hour, 0 without enough samples', () => {
    expect(slopePerHour([])).toBe(0);
    expect(slopePerHour([{ atHours: 0, rssMb: 100 }])).toBe(0);
    expect(
      slopePerHour([
        { atHours: 0, rssMb: 100 },
        { atHours: 0.5, rssMb: 110 },
        { atHours: 1, rssMb: 120 },
      ]),
    ).toBeCloseTo(20);
    expect(
      slopePerHour([
        { atHours: 0, rssMb: 100 },
        { atHours: 1, rssMb: 100 },
      ]),
    ).toBe(0);
  });
});
