import { describe, expect, it } from "vitest";
import { testJob } from "tina4";
import process{{Type}} from "../../src/jobs/{{name}}";

describe("job {{name}}", () => {
  it("processes a job and logs what it did", async () => {
    const job = testJob({ message: "hello" }, { queue: "{{name}}" });
    await expect(process{{Type}}(job)).resolves.toEqual({ processed: "hello" });
    expect(job.logs).toEqual(["processing hello"]);
  });
});
