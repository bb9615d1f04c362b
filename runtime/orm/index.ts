/** Public API of tina4 models. */
export { Model, DELETED_AT, type ModelClass, type PrimaryKeyValue, type QueryOptions, type CountOptions, type FindOptions, type WhereOptions, type RecordOf } from "./model.js";
export { ValidationError, ModelError, ModelErrorCode, PaginationError, type FieldError, type ModelErrorCodeValue, type PageParameter } from "./errors.js";
export {
  belongsTo, hasMany, hasOne, type BelongsTo, type HasMany, type HasOne, type Relation, type RelationMap, type RelationKind, type RelationName,
  type RelationValue, type Loaded, type RelatedValue, type BelongsToOptions, type HasManyOptions,
} from "./relations.js";
export { DEFAULT_PER_PAGE, DEFAULT_MAX_PER_PAGE, type PaginateOptions, type PageMeta, type PageInput, type Page } from "./paginate.js";
export { snakeCase, type CanonicalFieldType, type FieldDefinition, type FieldType, type JsonValue, type ModelFields } from "./fields.js";
export { validateFields } from "./validation.js";
