import { Model, type ModelFields } from "tina4";

/** {{Model}}, stored in the "{{table}}" table. */
export default class {{Model}} extends Model {
  static tableName = "{{table}}";
  static fields: ModelFields = {
    id: { type: "int", primaryKey: true, autoIncrement: true },
{{fieldLines}}
  };

  declare id: number;
{{declareLines}}
}
