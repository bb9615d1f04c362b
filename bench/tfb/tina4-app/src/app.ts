import { use } from "tina4";

// TFB requires a Server header on every response.
use((req, res, next) => {
  res.header("server", "tina4");
  return next();
});
