import { describe, expect, it } from "vitest";
import { Model, ModelError, ValidationError, type ModelFields } from "../../runtime/orm/index.js";
import { HttpError } from "../../runtime/http/errors.js";

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as ModelError).code + ": " + (error as Error).message;
  }
  return "no error";
};

describe("model definitions", () => {
  it("misdefined models fail with T4_ERR_ORM_DEFINITION naming the problem", () => {
    class NoTable extends Model {
      static override fields: ModelFields = { id: { type: "int", primaryKey: true } };
    }
    class BadType extends Model {
      static override tableName = "x";
      static override fields = { id: { type: "int", primaryKey: true }, n: { type: "money" } } as unknown as ModelFields;
    }
    class NoKey extends Model {
      static override tableName = "x";
      static override fields: ModelFields = { name: { type: "string" } };
    }
    class Clash extends Model {
      static override tableName = "x";
      static override fields: ModelFields = { id: { type: "int" }, save: { type: "string" } };
    }
    class BadTable extends Model {
      static override tableName = "x; DROP TABLE y";
      static override fields: ModelFields = { id: { type: "int" } };
    }
    expect(code(() => new NoTable())).toMatch(/^T4_ERR_ORM_DEFINITION: NoTable: static tableName/);
    expect(code(() => new BadType())).toMatch(/^T4_ERR_ORM_DEFINITION: BadType.fields.n: unknown type "money" \(valid: string, text, int, float, bool, datetime, json, decimal;/);
    class NoType extends Model {
      static override tableName = "x";
      static override fields = { id: { type: "int", primaryKey: true }, title: {} } as unknown as ModelFields;
    }
    expect(code(() => new NoType())).toMatch(/^T4_ERR_ORM_DEFINITION: NoType.fields.title: has no type: write e\.g\. \{ type: "string" \} \(valid: string, text, int, float, bool, datetime, json/);
    expect(code(() => new NoKey())).toMatch(/no primaryKey field/);
    expect(code(() => new Clash())).toMatch(/field "save" clashes with a Model method/);
    expect(code(() => new BadTable())).toMatch(/static tableName must be a table name/);
  });

  it("a field may be called key (no record member has that name); one called like Object's members (toString, valueOf) is refused", () => {
    class Setting extends Model {
      static override tableName = "settings";
      static override fields: ModelFields = { id: { type: "int", primaryKey: true }, key: { type: "string" }, value: { type: "string" } };
    }
    expect(code(() => new Setting({ key: "theme", value: "dark" }))).toBe("no error");
    expect(new Setting({ key: "theme" }).toJSON()).toEqual({ id: null, key: "theme", value: null });
    for (const member of ["toString", "valueOf", "hasOwnProperty"]) {
      class ObjectClash extends Model {
        static override tableName = "x";
        static override fields: ModelFields = { id: { type: "int", primaryKey: true }, [member]: { type: "string" } };
      }
      expect(code(() => new ObjectClash())).toMatch(new RegExp(`^T4_ERR_ORM_DEFINITION: ObjectClash: field "${member}" clashes with a Model method`));
    }
  });

  it("aliases, snake_case columns, defaults and lossless input conversion", () => {
    class Event extends Model {
      static override tableName = "events";
      static override fields: ModelFields = {
        id: { type: "integer", primaryKey: true, autoIncrement: true },
        startsAt: { type: "datetime", required: true },
        isPublic: { type: "boolean", default: false },
        tags: { type: "json", default: () => ["new"] },
        capacity: { type: "number", min: 1 },
      };
      declare id: number;
      declare startsAt: Date;
      declare isPublic: boolean;
      declare tags: string[];
      declare capacity: number | null;
    }
    const a = new Event({ startsAt: "2024-02-03T04:05:06Z", is_public: "yes", capacity: "12.5" });
    expect(a.startsAt).toEqual(new Date("2024-02-03T04:05:06Z"));
    expect(a.isPublic).toBe(true);
    expect(a.capacity).toBe(12.5);
    expect(a.tags).toEqual(["new"]);
    const b = new Event();
    b.tags.push("mine");
    expect(new Event().tags).toEqual(["new"]);
    expect(b.validate()).toEqual([{ field: "startsAt", message: "is required" }]);
    expect(new Event({ startsAt: "", capacity: "" }).validate()).toEqual([{ field: "startsAt", message: "is required" }]);
    expect(Object.keys(a.toJSON())).toEqual(["id", "startsAt", "isPublic", "tags", "capacity"]);
    expect(a.toJSON().id).toBeNull();
  });

  it("ValidationError is an HttpError 422 whose details list the fields in the one 422 shape (SPEC §9: in, path, message)", () => {
    const e = new ValidationError([{ field: "name", message: "is required" }], "Product");
    expect(e).toBeInstanceOf(HttpError);
    // the code and shape of a request failing its route schema: one for every 422
    expect([e.status, e.code, e.message, e.model, e.expose]).toEqual([422, "T4_ERR_VALIDATION_FAILED", "Validation failed", "Product", true]);
    expect(e.details).toEqual({ errors: [{ in: "body", path: "name", message: "is required" }] });
    expect(e.errors).toEqual([{ field: "name", message: "is required" }]);
    expect(new ValidationError([{ field: "*", message: "must be an object of field values" }]).issues).toEqual([{ in: "body", path: "", message: "must be an object of field values" }]);
  });
});
