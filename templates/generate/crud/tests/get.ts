{{setup}}

describe("GET {{urlPath}}/{id}", () => {
  it("answers the record", async () => {
    const record = await {{Model}}.create({{stored}});
    const response = await client.get(`{{requestPath}}/${record.{{key}}}`);
    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({ {{key}}: record.{{key}}{{checkedRest}} });
  });

  it("answers 404 for a record that does not exist", async () => {
    const response = await client.get("{{requestPath}}/999999");
    expect(response.status).toBe(404);
    expect(response.json()).toMatchObject({ id: 999999 });
  });
});
