import { defineModelSuite } from "./suite.js";

defineModelSuite("postgres");
