import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { App } from "../../runtime/app.js";
import { configureLogger } from "../../runtime/ops/logger.js";
import { redactText } from "../../runtime/ops/redact.js";
import { testClient } from "../../runtime/ops/test-client.js";

let lines: string[] = [];
const destination = { write: (line: string) => void lines.push(line) };

beforeEach(() => {
  lines = [];
  configureLogger({ format: "json", level: "info", destination });
});
afterEach(() => configureLogger());

describe("credentials quoted in free text", () => {
  it("are left out of the error a throwing route logs (Authorization header value, URL password)", async () => {
    const app = new App({ dev: false, publicDir: null, templatesDir: null });
    app.get("/boom", (req) => {
      throw new Error(`upstream refused postgres://app:hunter2@db:5432/app with Authorization: ${String(req.headers.authorization)}`);
    });
    const client = await testClient({ app });
    const response = await client.get("/boom", { headers: { authorization: "Bearer eyJhbGciOi.payload-part.sig_nature" } });
    expect(response.status).toBe(500);
    const text = lines.join("");
    expect(text).toContain("upstream refused postgres://app:[redacted]@db:5432/app with Authorization: Bearer [redacted]");
    for (const secret of ["hunter2", "eyJhbGciOi", "payload-part", "sig_nature"]) expect(text).not.toContain(secret);
  });

  it("replaces bearer and basic credentials and key=value / key: value secrets, keeping the names", () => {
    expect(redactText("sent Authorization: Bearer abc.def-ghi_j~k+l/m= to api")).toBe("sent Authorization: Bearer [redacted] to api");
    expect(redactText("authorization=Basic dXNlcjpwYXNz;")).toBe("authorization=Basic [redacted];");
    expect(redactText("header authorization: sometoken123 rejected")).toBe("header authorization: [redacted] rejected");
    expect(redactText('login failed: {"user":"ann","password":"pa55word"}')).toBe('login failed: {"user":"ann","password":"[redacted]"}');
    expect(redactText("Server=db;User Id=sa;Password=Str0ng!pw;Database=x")).toBe("Server=db;User Id=sa;Password=[redacted];Database=x");
    expect(redactText("GET /cb?code=1&access_token=tok-9&api_key=k1 failed")).toBe("GET /cb?code=1&access_token=[redacted]&api_key=[redacted] failed");
    expect(redactText("x-api-key: k-123")).toBe("x-api-key: [redacted]");
  });

  it("leaves ordinary messages that only mention such words alone", () => {
    for (const text of [
      "Unexpected token } in JSON at position 12",
      "password must be at least 8 characters",
      "the Authorization header is missing",
      "SyntaxError: Invalid or unexpected token",
      "column password does not exist",
    ]) {
      expect(redactText(text)).toBe(text);
    }
  });
});

describe("the dev error response", () => {
  it("shows the message and stack of a 500 with the same credentials redacted as the log", async () => {
    process.env.TINA4_SECRET = "a-long-enough-app-secret-for-this-test-0123456789";
    const app = new App({ dev: true, publicDir: null, templatesDir: null });
    app.get("/boom", (req) => {
      throw new Error(`cannot reach postgres://app:hunter2@db/app as ${String(req.headers.authorization)} (secret ${process.env.TINA4_SECRET})`);
    });
    const client = await testClient({ app });
    for (const accept of ["application/json", "text/html"]) {
      const response = await client.get("/boom", { headers: { authorization: "Bearer tok.en-value", accept } });
      expect(response.status).toBe(500);
      const text = response.text();
      expect(text).toContain("cannot reach postgres://app:[redacted]@db/app as Bearer [redacted] (secret [redacted])");
      for (const secret of ["hunter2", "tok.en-value", process.env.TINA4_SECRET]) expect(text).not.toContain(secret);
    }
    delete process.env.TINA4_SECRET;
  });
});
