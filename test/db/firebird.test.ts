import { serviceUrl } from "../support/services.js";
import { defineConformance } from "./conformance.js";

const url = serviceUrl("FIREBIRD");
defineConformance("firebird", url, { server: true, password: url ? decodeURIComponent(new URL(url).password) : undefined });
