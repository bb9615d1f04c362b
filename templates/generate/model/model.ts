import { {{runtimeImports}} } from "tina4";{{modelImports}}

/**
 * {{Model}}, stored in the "{{table}}" table. `fields` is the one definition of its data:
 * save() validates against it, and modelSchema({{Model}}) derives the routes' request and
 * response schemas (422 answers, /openapi.json) from it.
 */
export default class {{Model}} extends Model {
  static tableName = "{{table}}";
  static fields: ModelFields = {
    id: { type: "int", primaryKey: true, autoIncrement: true },
{{fieldLines}}
  };{{relationLines}}

  declare id: number;
{{declareLines}}
}
