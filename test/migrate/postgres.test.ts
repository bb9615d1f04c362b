import { defineBodySuite, defineLockSuite, defineMigrationSuite } from "./suite.js";

defineMigrationSuite("postgres");
defineBodySuite("postgres");
defineLockSuite("postgres");
