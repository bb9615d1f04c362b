import { defineBodySuite, defineLockSuite, defineMigrationSuite } from "./suite.js";

defineMigrationSuite("sqlite");
defineBodySuite("sqlite");
defineLockSuite("sqlite");
