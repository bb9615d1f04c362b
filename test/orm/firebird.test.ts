import { defineModelSuite } from "./suite.js";

defineModelSuite("firebird");
