import { defineBodySuite, defineLockSuite, defineMigrationSuite } from "./suite.js";

defineMigrationSuite("mysql");
defineBodySuite("mysql");
defineLockSuite("mysql");
