{{setup}}

describe("POST {{urlPath}}", () => {
{{unauthorizedCase}}
  // {{Model}} needs {{serverOnlyList}}, which only the server sets (guarded: a client never sends it),
  // so a request alone cannot create one: set it in the route's handler
  // ({{Model}}.create({ ...req.body, ... })) and then expect 201 with the record here.
  it("answers 422 naming what only the server sets ({{serverOnlyList}}), until the handler sets it", async () => {
    const user = await client.as({ sub: "1" }); // a Bearer token signed with the app's TINA4_SECRET
    const response = await user.post("{{requestPath}}", { json: sample });
    expect(response.status).toBe(422);
    expect(response.json<{ errors: Array<{ path: string }> }>().errors.map((e) => e.path)).toEqual({{serverOnly}});
    const sent = await user.post("{{requestPath}}", { json: { ...sample, ...serverSide } });
    expect(sent.status).toBe(422); // and a request that sends it is refused before the handler
  });
{{invalidCase}}
});
