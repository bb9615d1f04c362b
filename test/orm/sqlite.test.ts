import { defineModelSuite } from "./suite.js";

defineModelSuite("sqlite");
