import { defineBodySuite, defineLockSuite, defineMigrationSuite } from "./suite.js";

defineMigrationSuite("firebird");
defineBodySuite("firebird");
defineLockSuite("firebird");
