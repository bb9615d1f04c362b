import type { MiddlewareFunction } from "tina4";

/** {{Name}} middleware (onion style): work before `await next()` runs first, work after it runs last. */
const {{camelName}}: MiddlewareFunction = async (req, res, next) => {
  await next();
};

export default {{camelName}};
