import { describe, expect, it } from "vitest";
import { className, migrationSlug, pluralize, routeSegments, tableName } from "../../cli/generate/names.js";
import { parseFields } from "../../cli/generate/fields.js";
import { CliError } from "../../cli/errors.js";

describe("pluralize / tableName", () => {
  it("handles regular, -y, -s, irregular and uncountable words", () => {
    const cases: Record<string, string> = {
      product: "products", category: "categories", status: "statuses", person: "people", news: "news",
      box: "boxes", church: "churches", day: "days", leaf: "leaves", knife: "knives", hero: "heroes",
      photo: "photos", child: "children", series: "series", address: "addresses", key: "keys",
    };
    for (const [word, plural] of Object.entries(cases)) expect(pluralize(word), word).toBe(plural);
  });

  it("derives snake_case plural table names; SQL keywords too (the migration quotes them)", () => {
    expect(tableName("Product")).toBe("products");
    expect(tableName("OrderItem")).toBe("order_items");
    expect(tableName("Person")).toBe("people");
    expect(tableName("HTTPLog")).toBe("http_logs");
    expect(tableName("Order")).toBe("orders");
    expect(tableName("Value")).toBe("values");
    expect(tableName("Group")).toBe("groups");
  });
});

describe("name validation", () => {
  const rejects = (fn: () => unknown, pattern: RegExp) => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).message).toMatch(pattern);
      return;
    }
    throw new Error("expected a CliError");
  };

  it("class names: identifiers only, no paths, unicode, empties or reserved words", () => {
    expect(className("Model name", "product")).toBe("Product");
    expect(className("Model name", "order-item")).toBe("OrderItem");
    rejects(() => className("Model name", ""), /must not be empty/);
    rejects(() => className("Model name", "   "), /must not be empty/);
    rejects(() => className("Model name", "../x"), /path separators/);
    rejects(() => className("Model name", "a/b"), /path separators/);
    rejects(() => className("Model name", "Ünïcode"), /ASCII/);
    rejects(() => className("Model name", "1abc"), /start with a letter/);
    rejects(() => className("Model name", "class"), /reserved word/);
    rejects(() => className("Model name", "a b"), /start with a letter and contain only/);
  });

  it("route paths: slugs and [param] folders only", () => {
    expect(routeSegments("api/products/[id:int]")).toEqual(["api", "products", "[id:int]"]);
    expect(routeSegments("/files/[...rest]/")).toEqual(["files", "[...rest]"]);
    rejects(() => routeSegments("../etc"), /must not contain/);
    rejects(() => routeSegments("a\\b"), /must not contain/);
    rejects(() => routeSegments(""), /must not be empty/);
    rejects(() => routeSegments("/"), /at least one segment/);
    rejects(() => routeSegments("Products"), /lower-case/);
    rejects(() => routeSegments("[id:number]"), /Route segment/);
    rejects(() => routeSegments("café"), /ASCII/);
  });

  it("migration descriptions become snake_case", () => {
    expect(migrationSlug("Add price index")).toBe("add_price_index");
    expect(migrationSlug("addPriceIndex")).toBe("add_price_index");
    rejects(() => migrationSlug("../../x"), /path separators/);
    rejects(() => migrationSlug("drop; table"), /may contain only/);
  });

  it("field specs: types, aliases, options; SQL keywords accepted, names of record members refused", () => {
    expect(parseFields("name:string:required,price:number,inStock:boolean,qty:integer")).toEqual([
      { property: "name", column: "name", type: "string", required: true },
      { property: "price", column: "price", type: "float", required: false },
      { property: "inStock", column: "in_stock", type: "bool", required: false },
      { property: "qty", column: "qty", type: "int", required: false },
    ]);
    // no type at all: said as such, with the valid types (was: unknown type "")
    rejects(() => parseFields("name"), /^Field "name" has no type: write it as name:<type>, e\.g\. name:string \(valid: string, text, int, float, bool, datetime, json, decimal; aliases: integer, number, boolean/);
    rejects(() => parseFields("title:"), /^Field "title" has no type: write it as title:<type>.*\(valid: string, text, int/);
    rejects(() => parseFields("title: :required"), /^Field "title" has no type/);
    rejects(() => parseFields("name:money"), /unknown type "money"/);
    // SQL keywords are only column names to quote (was: refused as "a reserved SQL word")
    expect(parseFields("order:int,position:int,group:string,key:string,value:text,select:string,user:string,type:string,status:string").map((f) => f.column)).toEqual(
      ["order", "position", "group", "key", "value", "select", "user", "type", "status"],
    );
    // a property every record has (its methods and Object's) cannot also hold a field
    rejects(() => parseFields("save:string"), /^Field name "save" clashes with the member "save" every model record inherits/);
    rejects(() => parseFields("is_new:bool"), /^Field name "is_new" clashes with the member "isNew"/);
    for (const member of ["delete", "fill", "validate", "restore", "forceDelete", "constructor", "toString", "valueOf", "hasOwnProperty"]) {
      rejects(() => parseFields(`${member}:string`), new RegExp(`clashes with the member "${member}"`));
    }
    rejects(() => parseFields("id:int"), /primary key/);
    rejects(() => parseFields("a:int,a:int"), /twice/);
    rejects(() => parseFields(":int"), /no name/);
    rejects(() => parseFields("na/me:string"), /must start with a letter/);
    rejects(() => parseFields("näme:string"), /ASCII/);
    rejects(() => parseFields(""), /must not be empty/);
    // (x:int:unique is an option now: see test/cli/field-options.test.ts)
    rejects(() => parseFields("x:int:primary"), /unknown option "primary" \(valid: required, nullable, unique, index, default=<value>, references\[=<table>\]\)/);
  });

  it("decimal specs: decimal is (12,2); decimal:10:2 and \"decimal(10,2)\" set precision and scale, also inside a comma list", () => {
    expect(parseFields("price:decimal")).toEqual([{ property: "price", column: "price", type: "decimal", required: false, precision: 12, scale: 2 }]);
    expect(parseFields("price:decimal:10:2:required,unitCost:decimal(18,4),qty:int")).toEqual([
      { property: "price", column: "price", type: "decimal", required: true, precision: 10, scale: 2 },
      { property: "unitCost", column: "unit_cost", type: "decimal", required: false, precision: 18, scale: 4 },
      { property: "qty", column: "qty", type: "int", required: false },
    ]);
    expect(parseFields("total:DECIMAL( 9 , 0 ):required")).toEqual([{ property: "total", column: "total", type: "decimal", required: true, precision: 9, scale: 0 }]);
    expect(parseFields("rate:decimal:6")).toEqual([{ property: "rate", column: "rate", type: "decimal", required: false, precision: 6, scale: 2 }]);
    rejects(() => parseFields("price:decimal:19:2"), /^Field "price": decimal precision must be 1 to 18 \(Firebird's limit; the migration is written for every engine\), got 19/);
    rejects(() => parseFields("price:decimal(0,0)"), /precision must be 1 to 18/);
    rejects(() => parseFields("price:decimal:4:5"), /^Field "price": decimal scale 5 is larger than its precision 4: write price:decimal:10:2 or "price:decimal\(10,2\)"/);
    rejects(() => parseFields("price:decimal(10,2,1)"), /bad decimal size "decimal\(10,2,1\)"/);
    rejects(() => parseFields("price:decimal(ten)"), /bad decimal size/);
    rejects(() => parseFields("price:decimal(10"), /bad decimal size "decimal\(10"/);
    rejects(() => parseFields("price:decimal:10:2:3"), /unknown option "3" \(valid: required, nullable, unique, index, default=<value>, references\[=<table>\]; precision and scale come first: decimal:10:2\)/);
    rejects(() => parseFields("price:float:10"), /unknown option "10" \(valid: required, nullable, unique, index, default=<value>, references\[=<table>\]\)/);
  });
});
