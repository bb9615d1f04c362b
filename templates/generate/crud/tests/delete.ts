{{setup}}

describe("DELETE {{urlPath}}/{id}", () => {
{{unauthorizedCase}}
  it("deletes the record for a signed-in user: 204, then 404", async () => {
    const record = await {{Model}}.create({{stored}});
    const user = await client.as({ sub: "1" }); // a Bearer token signed with the app's TINA4_SECRET
    expect((await user.delete(`{{requestPath}}/${record.{{key}}}`)).status).toBe(204);
    expect(await {{Model}}.find(record.{{key}})).toBeNull();
    expect((await user.delete(`{{requestPath}}/${record.{{key}}}`)).status).toBe(404);
  });
});
