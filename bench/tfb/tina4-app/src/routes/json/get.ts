/** GET /json: TFB test type 1, JSON serialisation. */
export default function () {
  return { message: "Hello, World!" };
}
