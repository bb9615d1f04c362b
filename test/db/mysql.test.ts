import { serviceUrl } from "../support/services.js";
import { defineConformance } from "./conformance.js";

const url = serviceUrl("MYSQL");
defineConformance("mysql", url, { server: true, password: url ? decodeURIComponent(new URL(url).password) : undefined });
