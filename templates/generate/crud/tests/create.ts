{{setup}}

describe("POST {{urlPath}}", () => {
{{unauthorizedCase}}
  it("creates {{aModel}} for a signed-in user: 201 with the record", async () => {
    const user = await client.as({ sub: "1" }); // a Bearer token signed with the app's TINA4_SECRET
    const input = {{body}};
    const response = await user.post("{{requestPath}}", { json: input });
    expect(response.status).toBe(201);
    const created = response.json<{ {{key}}: number }>();
    expect(created).toMatchObject({{checked}});
    expect(await {{Model}}.find(created.{{key}})).not.toBeNull();
  });
{{conflictCase}}
{{invalidCase}}
});
