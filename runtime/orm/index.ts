/** Public API of tina4 models. */
export { Model, DELETED_AT, type ModelClass, type PrimaryKeyValue, type QueryOptions, type CountOptions } from "./model.js";
export { ValidationError, ModelError, ModelErrorCode, type FieldError, type ModelErrorCodeValue } from "./errors.js";
export { snakeCase, type CanonicalFieldType, type FieldDefinition, type FieldType, type JsonValue, type ModelFields } from "./fields.js";
export { validateFields } from "./validation.js";
