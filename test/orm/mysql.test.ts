import { defineModelSuite } from "./suite.js";

defineModelSuite("mysql");
