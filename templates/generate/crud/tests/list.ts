{{setup}}

describe("GET {{urlPath}}", () => {
  it("answers one page of records with the totals", async () => {
    const first = await {{Model}}.create({{stored}});
    await {{Model}}.create({{stored}});
    const response = await client.get("{{requestPath}}", { query: { page: 1, limit: 1 } });
    expect(response.status).toBe(200);
    expect(response.json()).toMatchObject({ page: 1, limit: 1, total: 2, pages: 2, data: [{ {{key}}: first.{{key}}{{checkedRestFirst}} }] });
  });

  it("answers 422 for a page size over 100", async () => {
    expect((await client.get("{{requestPath}}", { query: { limit: 500 } })).status).toBe(422);
  });
});
