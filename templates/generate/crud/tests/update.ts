{{setup}}

describe("{{METHOD}} {{urlPath}}/{id}", () => {
{{unauthorizedCase}}
  it("updates the record for a signed-in user: 200 with it", async () => {
    const record = await {{Model}}.create({{stored}});
    const user = await client.as({ sub: "1" }); // a Bearer token signed with the app's TINA4_SECRET
    const response = await user.{{call}}(`{{requestPath}}/${record.{{key}}}`, { json: {{change}} });
    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({ {{key}}: record.{{key}}{{changedRest}} });
  });

  it("answers 404 for a record that does not exist", async () => {
    const user = await client.as({ sub: "1" });
    expect((await user.{{call}}("{{requestPath}}/999999", { json: {{change}} })).status).toBe(404);
  });
});
