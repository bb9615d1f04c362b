import { describe, expect, it } from "vitest";
import { testJob } from "tina4";
import process{{Type}}, { schedule } from "../../src/jobs/{{name}}";

describe("scheduled job {{name}}", () => {
  it("runs for its tick", async () => {
    const tick = new Date("2030-01-01T00:00:00.000Z");
    const job = testJob({}, { queue: "{{name}}", scheduledFor: tick });
    await expect(process{{Type}}(job)).resolves.toEqual({ ranFor: tick.toISOString() });
    expect(schedule).toBe("{{schedule}}");
  });
});
